-- Fleet cost allocation (issue 3): one row per sampled minute × line. A line is a tenant's
-- share, the platform/system namespaces, the nodes' idle cost, or over-commit. Each sample
-- covers 1/60 hour; hourly figures are sums over the hour's minutes, so a re-run or a second
-- replica collecting the same minute replaces that minute's rows instead of adding to them.
CREATE TABLE fleet_cost_samples (
  sample_minute timestamptz NOT NULL CHECK (date_trunc('minute', sample_minute) = sample_minute),
  line text NOT NULL CHECK (line IN ('tenant', 'system', 'idle', 'overcommit')),
  tenant_id uuid CHECK ((line = 'tenant') = (tenant_id IS NOT NULL)),
  tenant_key text GENERATED ALWAYS AS (coalesce(tenant_id::text, '')) STORED,
  cpu numeric NOT NULL,
  memory numeric NOT NULL,
  total numeric NOT NULL,
  PRIMARY KEY (sample_minute, line, tenant_key)
);
CREATE INDEX fleet_cost_samples_tenant ON fleet_cost_samples (tenant_id, sample_minute) WHERE tenant_id IS NOT NULL;
