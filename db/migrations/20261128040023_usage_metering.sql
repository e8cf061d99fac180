-- Usage metering, price catalogue, month close.

-- Meters are data: a new meter is a row, not a release.
CREATE TABLE meters (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  unit        text NOT NULL CHECK (length(unit) BETWEEN 1 AND 40),
  aggregation text NOT NULL CHECK (aggregation IN ('sum', 'count', 'max', 'unique_count', 'latest')),
  dimensions  text[] NOT NULL DEFAULT '{}',
  -- the data field whose distinct values a unique_count meter counts
  unique_by   text CHECK ((aggregation = 'unique_count') = (unique_by IS NOT NULL)),
  description text NOT NULL DEFAULT '',
  builtin     boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO meters (name, unit, aggregation, dimensions, description, builtin) VALUES
  ('compute.seconds', 'vCPU-s', 'sum', '{region,pool}', 'CPU request × running time × resource factor', true),
  ('storage.gb_hours', 'GB-h', 'sum', '{region,class}', 'workspace volume size × hours kept, paused workspaces included', true),
  ('llm.tokens', 'tokens', 'sum', '{model,kind}', 'LLM tokens by model and kind (prompt, completion, cache_read, cache_write)', true),
  ('llm.cost_usd', 'USD', 'sum', '{model}', 'LLM cost reported by the agent, per model', true),
  ('api.calls', 'calls', 'sum', '{route}', 'API calls made by the tenant', true);

-- Append-only events, partitioned by month of the event time. Corrections are new rows
-- (negative quantities) or cancellations; nothing is updated in place.
CREATE TABLE usage_events (
  tenant_id   uuid NOT NULL,
  time        timestamptz NOT NULL,
  meter       text NOT NULL,
  quantity    numeric NOT NULL,
  source      text NOT NULL,
  event_id    text NOT NULL,
  subject     uuid,
  dimensions  jsonb NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (time);
CREATE INDEX usage_events_tenant_time_idx ON usage_events (tenant_id, time);

-- Creates the month partition holding `at` if it is missing. Serialised by an advisory
-- lock: concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalogue.
CREATE FUNCTION usage_ensure_partition(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  name text := 'usage_events_' || to_char(start AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('usage_ensure_partition'));
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
      name, start, start + interval '1 month');
  END IF;
  RETURN name;
END $$;

-- Idempotency keys: a unique index on the partitioned table would have to include the
-- time, so the key (tenant, source, id) lives here, written in the same transaction.
-- `key` is the first 16 bytes of SHA-256 over the three parts: one narrow index column.
CREATE TABLE usage_event_keys (
  key  uuid PRIMARY KEY,
  time timestamptz NOT NULL
);

CREATE TABLE usage_cancellations (
  tenant_id    uuid NOT NULL,
  source       text NOT NULL,
  event_id     text NOT NULL,
  event_time   timestamptz NOT NULL,
  reason       text,
  cancelled_by text,
  cancelled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX usage_cancellations_time_idx ON usage_cancellations (tenant_id, event_time);

-- Hours whose rollup is stale. Append-only marks: the rollup job deletes only the marks its
-- snapshot saw, so a batch committing during a rollup leaves its mark for the next run.
CREATE TABLE usage_dirty_hours (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL,
  hour      timestamptz NOT NULL
);

CREATE TABLE usage_rollups_hourly (
  tenant_id    uuid NOT NULL,
  hour         timestamptz NOT NULL,
  meter        text NOT NULL,
  workspace_id uuid,
  dimensions   jsonb NOT NULL DEFAULT '{}',
  events       bigint NOT NULL,
  sum          numeric NOT NULL,
  max          numeric,
  latest       numeric,
  latest_at    timestamptz,
  uniques      text[],
  computed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_rollups_tenant_meter_hour_idx ON usage_rollups_hourly (tenant_id, meter, hour);
CREATE INDEX usage_rollups_hour_idx ON usage_rollups_hourly (hour);

-- Price catalogue versions: immutable documents, each in force from its effective date.
CREATE TABLE price_catalogs (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version        text NOT NULL UNIQUE,
  effective_from timestamptz NOT NULL UNIQUE,
  document       jsonb NOT NULL,
  created_by     text,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Closed months: one immutable report per tenant and period.
CREATE TABLE usage_closed_periods (
  period    date PRIMARY KEY CHECK (extract(day FROM period) = 1),
  closed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE usage_snapshots (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  period    date NOT NULL REFERENCES usage_closed_periods (period),
  report    jsonb NOT NULL,
  closed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, period)
);

CREATE FUNCTION usage_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is immutable: closed periods and price catalogue versions are never rewritten', TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER usage_snapshots_immutable BEFORE UPDATE OR DELETE ON usage_snapshots
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION usage_refuse_change();
CREATE TRIGGER price_catalogs_immutable BEFORE UPDATE OR DELETE ON price_catalogs
  FOR EACH ROW EXECUTE FUNCTION usage_refuse_change();
CREATE TRIGGER usage_closed_periods_immutable BEFORE UPDATE OR DELETE ON usage_closed_periods
  FOR EACH ROW EXECUTE FUNCTION usage_refuse_change();
