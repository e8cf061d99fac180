-- Fleet cost minutes older than a few days are compacted into hours: monthly and yearly cost
-- views need the hours, nobody needs a minute from last quarter, and a minute table grows by
-- 1,440 × (tenants + 3) rows a day. Compaction sums and deletes in one transaction.
CREATE TABLE fleet_cost_hourly (
  hour timestamptz NOT NULL CHECK (date_trunc('hour', hour, 'UTC') = hour),
  line text NOT NULL CHECK (line IN ('tenant', 'system', 'idle', 'overcommit')),
  tenant_id uuid CHECK ((line = 'tenant') = (tenant_id IS NOT NULL)),
  tenant_key text GENERATED ALWAYS AS (coalesce(tenant_id::text, '')) STORED,
  cpu numeric NOT NULL,
  memory numeric NOT NULL,
  total numeric NOT NULL,
  -- how many sampled minutes the hour holds (60 when none was missed)
  minutes integer NOT NULL,
  PRIMARY KEY (hour, line, tenant_key)
);
CREATE INDEX fleet_cost_hourly_tenant ON fleet_cost_hourly (tenant_id, hour) WHERE tenant_id IS NOT NULL;
