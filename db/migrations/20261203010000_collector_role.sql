-- The platform's own collectors (gateway, runtime, metering) hold platform tokens of the
-- machine role `collector`: the only credentials that write billable usage.
-- (20261203030000_loadtest_runs.sql redefines this constraint without it; the migration
-- after it adds `collector` back.)
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_check
  CHECK ((tenant_id IS NULL AND role IN ('admin', 'sre', 'viewer', 'collector'))
      OR (tenant_id IS NOT NULL AND role IN ('owner', 'admin', 'member', 'ingest')));
