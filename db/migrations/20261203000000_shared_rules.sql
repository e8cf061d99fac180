-- Rules several modules read, defined once by the module that owns the table. Readers use
-- these instead of writing the SQL again.

-- collectors/usage: an event counts unless a cancellation names it.
CREATE VIEW counted_usage_events AS
SELECT e.* FROM usage_events e
 WHERE NOT EXISTS (SELECT 1 FROM usage_cancellations c
                    WHERE c.tenant_id = e.tenant_id AND c.source = e.source AND c.event_id = e.event_id);

-- collectors/usage: the end of the last closed billing month (NULL while none is closed).
-- Events before it may no longer be written, corrected or cancelled.
CREATE FUNCTION usage_closed_until() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (max(period)::timestamp + interval '1 month') AT TIME ZONE 'UTC' FROM usage_closed_periods
$$;

-- tenancy: a workspace start is a request to run it, a creation (→ pending) or a resume or
-- retry (→ starting from anything but pending); it lasts until the workspace first leaves
-- pending/starting: `outcome` is then 'running' (started), 'error' (failed) or the state it
-- was stopped in (paused, archived: abandoned), and NULL while it is still under way.
CREATE VIEW workspace_startups AS
SELECT s.id AS transition_id, s.workspace_id, w.tenant_id, w.region, w.node_pool, w.resource_factor,
       s.to_state = 'pending' AS created,
       s.at AS requested_at,
       e.at AS ended_at,
       e.to_state AS outcome,
       extract(epoch FROM e.at - s.at)::double precision AS seconds
  FROM workspace_transitions s
  JOIN workspaces w ON w.id = s.workspace_id
  LEFT JOIN LATERAL (
    SELECT t.at, t.to_state FROM workspace_transitions t
     WHERE t.workspace_id = s.workspace_id AND (t.at, t.id) > (s.at, s.id)
       AND t.to_state NOT IN ('pending', 'starting')
     ORDER BY t.at, t.id LIMIT 1
  ) e ON true
 WHERE s.to_state = 'pending' OR (s.to_state = 'starting' AND s.from_state IS DISTINCT FROM 'pending');
