-- Platform token roles: `loadtest` (CI) and `collector` (the platform's gateway, runtime and
-- collectors, the only senders of billable usage), after 20261203030000_loadtest_runs.sql
-- redefined the check without `collector`.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_check CHECK (
  (tenant_id IS NULL AND role IN ('admin', 'sre', 'viewer', 'loadtest', 'collector'))
  OR (tenant_id IS NOT NULL AND role IN ('owner', 'admin', 'member', 'ingest')));
