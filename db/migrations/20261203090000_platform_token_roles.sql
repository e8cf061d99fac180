-- Every platform token role in one check, after the branches that each redefined it for
-- their own role (20261203030000 loadtest, 20261203059000 collector, 20261203080000 alerts).
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_check CHECK (
  (tenant_id IS NULL AND role IN ('admin', 'sre', 'viewer', 'loadtest', 'alerts', 'collector'))
  OR (tenant_id IS NOT NULL AND role IN ('owner', 'admin', 'member', 'ingest')));
