-- Autoscaling (issue 11): the reactive scaler's targets and the history its HPA rules read
-- (recommendations for stabilisation, scale events for rate policies and cooldowns), the
-- warm pool's knobs, and the usage samples rightsizing learns from.

-- The Deployments an operator lists, with their HPA-shaped spec (metrics, min/max,
-- behavior, cooldowns). Written through the API by platform roles only.
CREATE TABLE autoscaling_targets (
  namespace  text NOT NULL,
  name       text NOT NULL,
  spec       jsonb NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name)
);

-- Each raw recommendation as it changes (the HPA keeps them in memory and loses them on a
-- restart; these survive a leader change). Pruned past the longest window.
CREATE TABLE autoscaling_recommendations (
  target   text NOT NULL,
  at       timestamptz NOT NULL,
  replicas integer NOT NULL CHECK (replicas >= 0),
  PRIMARY KEY (target, at)
);

CREATE TABLE autoscaling_scale_events (
  target        text NOT NULL,
  at            timestamptz NOT NULL,
  from_replicas integer NOT NULL CHECK (from_replicas >= 0),
  to_replicas   integer NOT NULL CHECK (to_replicas >= 0),
  PRIMARY KEY (target, at)
);

-- Operator and automation knobs, one JSON document per key ('headroom': ceiling, cost
-- limit, boosts; 'rightsizing': the apply switch). Read by the leader before each run.
CREATE TABLE autoscaling_settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- metrics.k8s.io usage per workload (a workspace, or a Deployment of the platform) and
-- minute, as the fleet collector reads it: the input of rightsizing's decaying histograms.
CREATE TABLE workload_usage_samples (
  sample_minute timestamptz NOT NULL CHECK (date_trunc('minute', sample_minute) = sample_minute),
  namespace     text NOT NULL,
  workload      text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('workspace', 'deployment')),
  tenant_id     uuid,
  cpu_usage     double precision NOT NULL CHECK (cpu_usage >= 0),
  memory_usage  double precision NOT NULL CHECK (memory_usage >= 0),
  cpu_request   double precision NOT NULL CHECK (cpu_request >= 0),
  memory_request double precision NOT NULL CHECK (memory_request >= 0),
  -- usage and requests are per pod (the mean over the workload's running pods)
  pods          integer NOT NULL CHECK (pods > 0),
  PRIMARY KEY (namespace, workload, sample_minute)
);
CREATE INDEX workload_usage_samples_minute ON workload_usage_samples (sample_minute);
