-- Alerts in, notifications out, remediation: alert instances (Pilothouse's own SLO alerts and
-- Alertmanager's), the alerts platform role, remediation policies and their runs with
-- approvals, notification receivers, routes, silences, the outbox and every delivery.

-- A platform token of the alerts role may send alerts and nothing else.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_check CHECK (
  (tenant_id IS NULL AND role IN ('admin', 'sre', 'viewer', 'loadtest', 'alerts'))
  OR (tenant_id IS NOT NULL AND role IN ('owner', 'admin', 'member', 'ingest')));

-- One row per alert: Alertmanager re-sends a group every repeat_interval and an HA pair sends
-- each alert twice, so (fingerprint, starts_at) absorbs repeats; the row goes firing → resolved.
CREATE TABLE alert_instances (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source         text NOT NULL CHECK (source IN ('alertmanager', 'slo')),
  fingerprint    text NOT NULL,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz,
  status         text NOT NULL CHECK (status IN ('firing', 'resolved')),
  alertname      text NOT NULL,
  severity       text,
  labels         jsonb NOT NULL DEFAULT '{}',
  annotations    jsonb NOT NULL DEFAULT '{}',
  generator_url  text,
  runbook_url    text,
  slo_name       text,
  receiver       text,
  group_key      text,
  external_url   text,
  received       integer NOT NULL DEFAULT 1,
  first_seen_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_seen_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  resolved_at    timestamptz,
  UNIQUE (fingerprint, starts_at)
);
CREATE INDEX alert_instances_firing_idx ON alert_instances (status, starts_at DESC);
CREATE INDEX alert_instances_labels_idx ON alert_instances USING gin (labels);

-- Policies from the repository (source 'repo', replaced at start) and from the API.
-- The breaker: tripped after repeated failed remediations, until a human re-arms it.
CREATE TABLE remediation_policies (
  name         text PRIMARY KEY,
  source       text NOT NULL CHECK (source IN ('repo', 'api')),
  document     jsonb NOT NULL,
  tripped_at   timestamptz,
  tripped_reason text,
  rearmed_by   text,
  rearmed_at   timestamptz,
  -- failures counted toward the breaker are those of remediations after this one
  rearmed_after_id bigint,
  updated_by   text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One remediation per alert and policy: requested, maybe approved, applied, verified.
CREATE TABLE remediations (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id      bigint REFERENCES alert_instances (id) ON DELETE SET NULL,
  policy        text NOT NULL,
  action        text NOT NULL,
  target        text NOT NULL,
  kind          text NOT NULL,
  params        jsonb NOT NULL DEFAULT '{}',
  risky         boolean NOT NULL DEFAULT false,
  dry_run       boolean NOT NULL DEFAULT false,
  status        text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'expired', 'verifying', 'succeeded', 'failed', 'dry_run')),
  runbook_url   text,
  requested_by  text NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  decided_by    text,
  decided_at    timestamptz,
  decision_note text,
  applied_at    timestamptz,
  verify_at     timestamptz,
  verified_at   timestamptz,
  result        jsonb,
  error         text,
  epoch         bigint
);
CREATE UNIQUE INDEX remediations_alert_policy_idx ON remediations (alert_id, policy) WHERE alert_id IS NOT NULL;
CREATE INDEX remediations_target_idx ON remediations (action, target, applied_at DESC);
CREATE INDEX remediations_policy_idx ON remediations (policy, requested_at DESC);
CREATE INDEX remediations_status_idx ON remediations (status) WHERE status IN ('pending_approval', 'approved', 'verifying');

CREATE TABLE notification_receivers (
  name        text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('webhook', 'slack', 'email')),
  -- non-secret settings (URL host for e-mail, addresses); the secret part is sealed apart
  config      jsonb NOT NULL DEFAULT '{}',
  -- AES-256-GCM with PILOTHOUSE_SECRETS_KEY: never returned by the API
  secret      bytea,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Routes in order, first match wins unless `continue`; grouping and intervals as Alertmanager's.
CREATE TABLE notification_routes (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  position         integer NOT NULL DEFAULT 0,
  receiver         text NOT NULL REFERENCES notification_receivers (name) ON DELETE CASCADE,
  matchers         jsonb NOT NULL DEFAULT '[]',
  group_by         text[] NOT NULL DEFAULT '{alertname}',
  group_wait_s     integer NOT NULL DEFAULT 30 CHECK (group_wait_s BETWEEN 0 AND 86400),
  group_interval_s integer NOT NULL DEFAULT 300 CHECK (group_interval_s BETWEEN 1 AND 86400),
  repeat_interval_s integer NOT NULL DEFAULT 14400 CHECK (repeat_interval_s BETWEEN 60 AND 604800),
  continue         boolean NOT NULL DEFAULT false
);

CREATE TABLE silences (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  matchers    jsonb NOT NULL,
  starts_at   timestamptz NOT NULL DEFAULT now(),
  ends_at     timestamptz NOT NULL,
  reason      text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);

-- The state of each notification group: what was last sent and when.
CREATE TABLE notification_groups (
  route_id      bigint NOT NULL REFERENCES notification_routes (id) ON DELETE CASCADE,
  group_key     text NOT NULL,
  first_seen_at timestamptz NOT NULL,
  last_sent_at  timestamptz,
  last_digest   text,
  PRIMARY KEY (route_id, group_key)
);

-- At-least-once delivery: a row is written in the transaction that decides to notify, and
-- sent (with retries and backoff) until a receiver accepts it or attempts run out.
CREATE TABLE notification_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  receiver        text NOT NULL,
  group_key       text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')) DEFAULT 'pending',
  payload         jsonb NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE notification_deliveries (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id   bigint NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  ok          boolean NOT NULL,
  status_code integer,
  error       text,
  duration_ms integer NOT NULL
);
CREATE INDEX notification_deliveries_outbox_idx ON notification_deliveries (outbox_id);
