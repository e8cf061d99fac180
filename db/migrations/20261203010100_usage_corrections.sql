-- A negative usage event is a correction and names the event it corrects (same tenant and
-- source): the id, kept here so that what has been taken off an event can be summed.
ALTER TABLE usage_events ADD COLUMN corrects text;
CREATE INDEX usage_events_corrects_idx ON usage_events (tenant_id, source, corrects) WHERE corrects IS NOT NULL;

-- The shared rule of counted usage, again with every column (a view's * is expanded when it
-- is created, so the new column must be named to it).
CREATE OR REPLACE VIEW counted_usage_events AS
SELECT e.* FROM usage_events e
 WHERE NOT EXISTS (SELECT 1 FROM usage_cancellations c
                    WHERE c.tenant_id = e.tenant_id AND c.source = e.source AND c.event_id = e.event_id);
