-- One row per scheduled job and period. The replica whose INSERT lands runs the job; the
-- others see the row and skip, so a minute job on three replicas runs once a minute.
CREATE TABLE scheduled_runs (
  job text NOT NULL,
  period timestamptz NOT NULL,
  holder text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  PRIMARY KEY (job, period)
);
