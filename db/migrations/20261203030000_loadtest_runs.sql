-- Load-test runs imported from k6 summaries or the local runner, judged by the thresholds
-- their SLOs imply; listed per scenario, newest first.
CREATE TABLE loadtest_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  scenario    text NOT NULL CHECK (length(scenario) BETWEEN 1 AND 100),
  format      text NOT NULL CHECK (format IN ('k6', 'local')),
  profile     text,
  target      text,
  revision    text,
  p50_ms      double precision,
  p95_ms      double precision NOT NULL,
  p99_ms      double precision,
  error_rate  double precision NOT NULL CHECK (error_rate BETWEEN 0 AND 1),
  throughput  double precision NOT NULL,
  requests    bigint NOT NULL,
  duration_s  double precision,
  checks      jsonb,
  thresholds  jsonb NOT NULL,
  passed      boolean NOT NULL,
  summary     jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loadtest_runs_scenario_idx ON loadtest_runs (scenario, created_at DESC, id DESC);

-- A platform token that may post load-test runs and nothing else (CI's credential).
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_check CHECK (
  (tenant_id IS NULL AND role IN ('admin', 'sre', 'viewer', 'loadtest'))
  OR (tenant_id IS NOT NULL AND role IN ('owner', 'admin', 'member', 'ingest')));
