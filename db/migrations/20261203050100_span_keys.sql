-- With SPAN_STORAGE=none spans are not kept, but a retried export must still not count its
-- requests twice in the rollups the SLOs read: the keys of the server spans counted, kept
-- for a day (exporters retry within minutes).
CREATE TABLE span_keys (
  tenant_id  uuid,
  trace_id   text NOT NULL,
  span_id    text NOT NULL,
  start_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX span_keys_key ON span_keys (trace_id, span_id, tenant_id, start_time) NULLS NOT DISTINCT;
CREATE INDEX span_keys_received ON span_keys (received_at);
