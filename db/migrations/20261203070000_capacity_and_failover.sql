-- Issue 12: spot conversion, the daily cost guard, regional failover and node failure.

-- Regions Pilothouse can route to. Priority 1 is the first choice; exactly one is active.
-- The active flag mirrors the routing ConfigMap the gateway follows (the controller writes
-- both, the ConfigMap first): the ConfigMap is what traffic obeys, this row what we report.
CREATE TABLE regions (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  priority    integer NOT NULL CHECK (priority BETWEEN 1 AND 1000),
  probe_url   text NOT NULL CHECK (probe_url ~ '^https?://'),
  active      boolean NOT NULL DEFAULT false,
  -- automatic failback to this region once it is healthy again (after the hold-down)
  auto_failback boolean NOT NULL DEFAULT false,
  -- the SLOs whose burn rate counts toward this region's health
  slos        text[] NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX regions_one_active ON regions ((true)) WHERE active;

-- Every health check: the HTTP probe and the burn rate of the region's SLOs at that moment.
CREATE TABLE region_checks (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region      text NOT NULL REFERENCES regions (name) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  ok          boolean NOT NULL,
  probe_ok    boolean NOT NULL,
  http_status integer,
  latency_ms  integer,
  burn_rate   double precision,
  error       text
);
CREATE INDEX region_checks_region_at ON region_checks (region, at DESC);

-- Each switch of the active region, with what was done and its measured RTO
-- (first failed check → routing switched; null for a planned manual switch).
CREATE TABLE region_failovers (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_region     text,
  to_region       text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('automatic', 'manual', 'failback')),
  reason          text NOT NULL,
  actor           text NOT NULL,
  first_failed_at timestamptz,
  switched_at     timestamptz NOT NULL,
  rto_ms          integer CHECK (rto_ms >= 0),
  steps           jsonb NOT NULL DEFAULT '[]',
  epoch           bigint NOT NULL
);
CREATE INDEX region_failovers_switched ON region_failovers (switched_at DESC);

-- A person's request to switch the active region, carried out by the failover controller
-- under the lease (so that the switch is fenced and audited like any other).
CREATE TABLE region_failover_requests (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_region    text NOT NULL REFERENCES regions (name) ON DELETE CASCADE,
  reason       text NOT NULL,
  actor        text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  done_at      timestamptz,
  failover_id  bigint REFERENCES region_failovers (id),
  error        text
);
CREATE INDEX region_failover_requests_open ON region_failover_requests (requested_at) WHERE done_at IS NULL;

-- The capacity policy (spot conversion and the cost guard), versioned: the newest row wins;
-- without one, the policy file shipped in the repo applies.
CREATE TABLE capacity_policies (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  policy     jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Spot interruption notices handled: when the notice came, its deadline, when every
-- affected replica had been moved to on-demand capacity, and the pool's hold-down.
CREATE TABLE spot_interruptions (
  node        text PRIMARY KEY,
  pool        text NOT NULL,
  noticed_at  timestamptz NOT NULL,
  deadline    timestamptz NOT NULL,
  replicas    integer NOT NULL CHECK (replicas >= 0),
  -- the Deployments (namespace/name) that had replicas on the node
  workloads   text[] NOT NULL DEFAULT '{}',
  moved_at    timestamptz,
  took_ms     integer CHECK (took_ms >= 0),
  hold_until  timestamptz NOT NULL
);
CREATE INDEX spot_interruptions_pool ON spot_interruptions (pool, hold_until DESC);

-- Values one controller sets for others to read (the cost guard's measures: a raised spot
-- share, a shorter idle pause, a smaller warm pool). Absent means the reader's own default.
CREATE TABLE controller_tunings (
  name       text PRIMARY KEY,
  value      double precision NOT NULL,
  set_by     text NOT NULL,
  reason     text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Workspaces moved off a failed node: when their pod was deleted and when they ran again.
CREATE TABLE workspace_moves (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL,
  tenant_id    uuid NOT NULL,
  node         text NOT NULL,
  pod          text NOT NULL,
  reason       text NOT NULL,
  moved_at     timestamptz NOT NULL,
  running_at   timestamptz,
  new_node     text,
  took_ms      integer CHECK (took_ms >= 0),
  UNIQUE (pod)
);
CREATE INDEX workspace_moves_open ON workspace_moves (workspace_id) WHERE running_at IS NULL;

-- The fleet-wide node-failure brake: engaged while too many nodes fail at once.
CREATE TABLE node_repair_brake (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  engaged    boolean NOT NULL,
  failing    integer NOT NULL,
  total      integer NOT NULL,
  changed_at timestamptz NOT NULL
);
