-- Hourly sums of the request rollups, kept by the SLO evaluator so that a pass over many
-- SLOs reads a month as 720 hours per route instead of 43,200 minutes. Only hours old
-- enough to be final are summed (the evaluator reads the last hours from the minutes), each
-- hour once: slo_request_hours_filled marks the hours done, including those without rows.

CREATE TABLE slo_request_hours (
  service  text NOT NULL,
  route    text NOT NULL,
  hour     timestamptz NOT NULL,
  requests double precision NOT NULL,
  errors   double precision NOT NULL,
  buckets  double precision[] NOT NULL,
  PRIMARY KEY (hour, service, route)
);

CREATE TABLE slo_request_hours_filled (
  hour timestamptz PRIMARY KEY
);

-- A rollup written, changed or deleted for an hour already summed (a late span, retention)
-- makes that hour be summed again by the next pass.
CREATE FUNCTION slo_request_hours_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH hours AS (
    SELECT DISTINCT date_bin('1 hour', minute, timestamptz '1970-01-01 00:00:00+00') AS hour FROM changed
  ), unmarked AS (
    DELETE FROM slo_request_hours_filled f USING hours h WHERE f.hour = h.hour RETURNING f.hour
  )
  DELETE FROM slo_request_hours s USING unmarked u WHERE s.hour = u.hour;
  RETURN NULL;
END $$;

CREATE TRIGGER request_rollups_insert_slo_hours AFTER INSERT ON request_rollups
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION slo_request_hours_stale();
CREATE TRIGGER request_rollups_update_slo_hours AFTER UPDATE ON request_rollups
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION slo_request_hours_stale();
CREATE TRIGGER request_rollups_delete_slo_hours AFTER DELETE ON request_rollups
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION slo_request_hours_stale();
