-- Foundation: tenants, users, memberships, API tokens, sessions, workspaces.

CREATE TABLE tenants (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  plan               text NOT NULL DEFAULT 'team' CHECK (plan IN ('personal', 'team', 'enterprise')),
  config             jsonb NOT NULL DEFAULT '{}',
  resource_quota     jsonb NOT NULL DEFAULT '{}',
  budget_monthly_usd numeric(14, 4) CHECK (budget_monthly_usd >= 0),
  budget_reset_day   smallint NOT NULL DEFAULT 1 CHECK (budget_reset_day BETWEEN 1 AND 28),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_name_key ON tenants (lower(name));

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text,
  display_name  text,
  oidc_issuer   text,
  oidc_subject  text,
  platform_role text CHECK (platform_role IN ('admin', 'sre', 'viewer')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz,
  disabled_at   timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_oidc_key ON users (oidc_issuer, oidc_subject);

CREATE TABLE memberships (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  prefix       text NOT NULL,
  tenant_id    uuid REFERENCES tenants (id) ON DELETE CASCADE,
  role         text NOT NULL,
  created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK ((tenant_id IS NULL AND role IN ('admin', 'sre', 'viewer'))
      OR (tenant_id IS NOT NULL AND role IN ('owner', 'admin', 'member', 'ingest')))
);
CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id);

CREATE TABLE sessions (
  id_hash      bytea PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE bootstrap_links (
  token_hash bytea PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

CREATE TABLE workspaces (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  repository       text,
  git_config       jsonb NOT NULL DEFAULT '{}',
  env_config       jsonb NOT NULL DEFAULT '{}',
  state            text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'starting', 'running', 'paused', 'archived', 'error')),
  error_reason     text,
  region           text NOT NULL,
  node_pool        text NOT NULL DEFAULT 'on-demand' CHECK (node_pool IN ('on-demand', 'spot')),
  resource_factor  smallint NOT NULL DEFAULT 1 CHECK (resource_factor IN (1, 2, 4, 8)),
  created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  pending_at       timestamptz NOT NULL DEFAULT now(),
  starting_at      timestamptz,
  running_at       timestamptz,
  paused_at        timestamptz,
  archived_at      timestamptz,
  error_at         timestamptz,
  last_activity_at timestamptz,
  version          integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX workspaces_tenant_name_key ON workspaces (tenant_id, lower(name)) WHERE state <> 'archived';
CREATE INDEX workspaces_tenant_created_idx ON workspaces (tenant_id, created_at DESC, id DESC);
CREATE INDEX workspaces_state_idx ON workspaces (state) WHERE state <> 'archived';

-- Every transition, so that startup latency and state history survive later transitions.
CREATE TABLE workspace_transitions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  tenant_id    uuid NOT NULL,
  from_state   text,
  to_state     text NOT NULL,
  reason       text,
  actor        text,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workspace_transitions_ws_idx ON workspace_transitions (workspace_id, at);
CREATE INDEX workspace_transitions_at_idx ON workspace_transitions (to_state, at);

-- OIDC sign-ins in flight: state → PKCE verifier and nonce, shared by every replica.
CREATE TABLE oidc_logins (
  state_hash    bytea PRIMARY KEY,
  code_verifier text NOT NULL,
  nonce         text NOT NULL,
  return_to     text NOT NULL DEFAULT '/',
  expires_at    timestamptz NOT NULL
);
