-- Meters whose events mean an agent is at work in the workspace named by the event's subject:
-- such an event moves the workspace's last activity forward, so the idle reaper sees work that
-- happens without anyone calling the activity endpoint. Storage and compute are billed while a
-- workspace sits idle, so they do not count.
ALTER TABLE meters ADD COLUMN marks_activity boolean NOT NULL DEFAULT false;
UPDATE meters SET marks_activity = true WHERE builtin AND name IN ('llm.tokens', 'llm.cost_usd', 'api.calls');
