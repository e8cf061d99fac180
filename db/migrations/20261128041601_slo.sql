-- SLOs: specs submitted through the API (the ones in slo/specs/ live in the repository),
-- one evaluation per SLO per minute, and every change of alert state.

CREATE TABLE slo_specs (
  name       text PRIMARY KEY,
  -- the OpenSLO YAML as submitted (the SLO and any Service/SLI/DataSource it brings)
  document   text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Kept for reports: SLI and budget over time. One row per SLO and minute (a second replica
-- evaluating the same minute is absorbed by the key).
CREATE TABLE slo_evaluations (
  slo_name         text NOT NULL,
  evaluated_at     timestamptz NOT NULL,
  objective        double precision NOT NULL,
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  events           double precision,
  bad_events       double precision,
  sli              double precision,
  budget_remaining double precision,
  -- [{window, burnRate, bad, total}] per measured window
  burn_rates       jsonb NOT NULL DEFAULT '[]',
  -- [{severity, factor, long, short, longBurn, shortBurn, firing, suppressedLowTraffic}]
  tiers            jsonb NOT NULL DEFAULT '[]',
  alert            text NOT NULL CHECK (alert IN ('page', 'ticket', 'none', 'unknown')),
  low_traffic      boolean NOT NULL DEFAULT false,
  exhaustion_at    timestamptz,
  error            text,
  PRIMARY KEY (slo_name, evaluated_at)
);
CREATE INDEX slo_evaluations_at_idx ON slo_evaluations (evaluated_at);

CREATE TABLE slo_alert_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slo_name    text NOT NULL,
  at          timestamptz NOT NULL,
  from_state  text NOT NULL,
  to_state    text NOT NULL,
  severity    text,
  runbook_url text,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX slo_alert_events_slo_idx ON slo_alert_events (slo_name, at DESC);
