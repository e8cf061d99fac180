-- Controllers: the leader lease (its epoch is the fencing token every action carries),
-- per-controller switches, the audit log of every decision, and quota warnings sent.

CREATE TABLE controller_leases (
  name        text PRIMARY KEY,
  holder      text NOT NULL,
  -- Increases on every change of holder (and on re-acquiring an expired lease), never otherwise.
  epoch       bigint NOT NULL CHECK (epoch > 0),
  acquired_at timestamptz NOT NULL,
  renewed_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- One row per controller, plus '*' for the global dry-run switch. Shared by every replica.
CREATE TABLE controller_settings (
  controller text PRIMARY KEY,
  paused     boolean NOT NULL DEFAULT false,
  dry_run    boolean NOT NULL DEFAULT false,
  updated_by text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Nothing acts without a row here. A row is written (fenced by the epoch) before the action
-- is applied, and finished after: 'started' rows left by a leader that died are marked
-- 'interrupted' by the next leader, which re-observes the world before acting again.
CREATE TABLE controller_actions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  controller  text NOT NULL,
  target_kind text NOT NULL,
  target      text NOT NULL,
  -- no foreign key: the audit trail outlives the tenant
  tenant_id   uuid,
  decision    text NOT NULL,
  reason      text NOT NULL,
  inputs      jsonb NOT NULL DEFAULT '{}',
  dry_run     boolean NOT NULL,
  status      text NOT NULL CHECK (status IN ('started', 'applied', 'failed', 'dry_run', 'interrupted')),
  result      jsonb,
  error       text,
  epoch       bigint NOT NULL,
  holder      text NOT NULL,
  decided_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz
);
-- Listed newest first by id (rows are numbered in the order they are decided).
CREATE INDEX controller_actions_decided_idx ON controller_actions (decided_at);
CREATE INDEX controller_actions_controller_idx ON controller_actions (controller, id DESC);
CREATE INDEX controller_actions_tenant_idx ON controller_actions (tenant_id, id DESC) WHERE tenant_id IS NOT NULL;
CREATE INDEX controller_actions_target_idx ON controller_actions (target, id DESC);
CREATE INDEX controller_actions_started_idx ON controller_actions (controller, epoch) WHERE status = 'started';

-- "Warn once per tenant, resource, period and threshold": the primary key is the once.
CREATE TABLE quota_warnings (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  resource     text NOT NULL,
  period_start timestamptz NOT NULL,
  threshold    text NOT NULL,
  used         numeric NOT NULL,
  quota        numeric NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource, period_start, threshold)
);

-- The leader's last run of each controller, for the console and the API.
CREATE TABLE controller_runs (
  controller  text PRIMARY KEY,
  holder      text NOT NULL,
  epoch       bigint NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  decisions   integer NOT NULL,
  applied     integer NOT NULL,
  failed      integer NOT NULL,
  deferred    integer NOT NULL,
  dry_run     boolean NOT NULL,
  error       text
);
