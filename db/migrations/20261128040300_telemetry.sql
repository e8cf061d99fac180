-- Telemetry: spans from OTLP, per-route request rollups (what the SLO engine reads), and
-- browser telemetry from Faro. A NULL tenant_id is the platform itself (Pilothouse's own
-- spans, the console's own browser telemetry), visible to platform roles only.

-- Element-wise sum of two equally long count arrays (latency histogram buckets).
CREATE FUNCTION ph_add_counts(a bigint[], b bigint[]) RETURNS bigint[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT x + y FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i);

-- Creates the UTC day partition of `parent` (spans or rum_events) holding `at`, if missing,
-- and returns its name. Serialised by an advisory lock: concurrent CREATE TABLE IF NOT
-- EXISTS can still collide in the catalogue.
CREATE FUNCTION telemetry_ensure_partition(parent text, at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  start timestamptz := date_trunc('day', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  name text := parent || '_' || to_char(start AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
  IF parent NOT IN ('spans', 'rum_events') THEN
    RAISE EXCEPTION 'telemetry_ensure_partition: % is not a telemetry table', parent;
  END IF;
  IF to_regclass(name) IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('telemetry_ensure_partition'));
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        name, parent, start, start + interval '1 day');
    END IF;
  END IF;
  RETURN name;
END $$;

-- One row per span, in daily partitions of start_time (created on demand, dropped by
-- retention). Ids are lowercase hex, as OTLP/JSON writes them.
CREATE TABLE spans (
  tenant_id       uuid REFERENCES tenants (id) ON DELETE CASCADE,
  trace_id        text NOT NULL,
  span_id         text NOT NULL,
  parent_span_id  text,
  start_time      timestamptz NOT NULL,
  -- exact nanoseconds, which timestamptz (microseconds) cannot hold
  start_unix_nano bigint NOT NULL,
  duration_ns     bigint NOT NULL CHECK (duration_ns >= 0),
  service         text NOT NULL,
  name            text NOT NULL,
  kind            smallint NOT NULL CHECK (kind BETWEEN 0 AND 5),
  status_code     smallint NOT NULL CHECK (status_code BETWEEN 0 AND 2),
  status_message  text,
  -- "METHOD route" of a server span (the rollup key), else NULL
  route           text,
  http_status     integer,
  is_error        boolean NOT NULL,
  trace_state     text,
  flags           bigint,
  attributes      jsonb NOT NULL,
  resource        jsonb NOT NULL,
  scope           jsonb NOT NULL,
  events          jsonb,
  links           jsonb,
  dropped         jsonb
) PARTITION BY RANGE (start_time);
-- The dedup key: a retried export finds its spans already stored. It holds the partition key
-- (start_time), which a retry repeats exactly, and leads with trace_id for trace lookups.
CREATE UNIQUE INDEX spans_key ON spans (trace_id, span_id, tenant_id, start_time) NULLS NOT DISTINCT;
CREATE INDEX spans_search_idx ON spans (service, start_time DESC);

-- Requests per tenant, service, route and minute, kept after the spans are gone.
-- buckets[i] counts requests with LATENCY_BUCKETS_MS[i-1] < duration <= LATENCY_BUCKETS_MS[i]
-- (collectors/requests/buckets.ts); the last element counts the rest (+Inf). 20 elements.
CREATE TABLE request_rollups (
  tenant_id       uuid REFERENCES tenants (id) ON DELETE CASCADE,
  service         text NOT NULL,
  route           text NOT NULL,
  minute          timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
  requests        bigint NOT NULL CHECK (requests >= 0),
  errors          bigint NOT NULL CHECK (errors BETWEEN 0 AND requests),
  duration_sum_ns bigint NOT NULL,
  buckets         bigint[] NOT NULL CHECK (cardinality(buckets) = 20)
);
CREATE UNIQUE INDEX request_rollups_key ON request_rollups (tenant_id, service, route, minute) NULLS NOT DISTINCT;
CREATE INDEX request_rollups_minute_idx ON request_rollups (minute);

-- Browser apps reporting through Faro. The API key ships inside every browser bundle of the
-- app, so it routes data to an app rather than guarding a secret; it is stored as is so that
-- its owners can read it again.
CREATE TABLE rum_apps (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       uuid REFERENCES tenants (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  api_key         text NOT NULL UNIQUE,
  allowed_origins text[] NOT NULL DEFAULT '{*}',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX rum_apps_name_key ON rum_apps (tenant_id, lower(name)) NULLS NOT DISTINCT;

-- Web vitals, exceptions, logs, events and other measurements, in daily partitions of `at`.
CREATE TABLE rum_events (
  tenant_id  uuid REFERENCES tenants (id) ON DELETE CASCADE,
  app_id     uuid NOT NULL,
  at         timestamptz NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('vital', 'exception', 'log', 'event', 'measurement')),
  -- vital: lcp, inp, cls, fcp, ttfb; exception: its type; log: its level; event: its name
  name       text NOT NULL,
  value      double precision,
  message    text,
  page       text,
  page_url   text,
  session_id text,
  trace_id   text,
  span_id    text,
  details    jsonb NOT NULL DEFAULT '{}',
  meta       jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (at);
CREATE INDEX rum_events_app_idx ON rum_events (app_id, kind, name, at DESC);

-- Batches already stored, by the Idempotency-Key the Faro SDK sends (a retry repeats it).
CREATE TABLE rum_batches (
  app_id          uuid NOT NULL REFERENCES rum_apps (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, idempotency_key)
);
CREATE INDEX rum_batches_received_idx ON rum_batches (received_at);
