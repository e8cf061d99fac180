-- Several objectives per SLO: each has its own evaluations and alert changes, told apart by
-- its index in spec.objectives (0 for every SLO so far, which had one objective). The
-- existing `objective` column keeps the target itself.

ALTER TABLE slo_evaluations ADD COLUMN objective_index smallint NOT NULL DEFAULT 0 CHECK (objective_index >= 0);
ALTER TABLE slo_evaluations DROP CONSTRAINT slo_evaluations_pkey;
ALTER TABLE slo_evaluations ADD PRIMARY KEY (slo_name, objective_index, evaluated_at);

ALTER TABLE slo_alert_events ADD COLUMN objective_index smallint NOT NULL DEFAULT 0 CHECK (objective_index >= 0);
DROP INDEX slo_alert_events_slo_idx;
CREATE INDEX slo_alert_events_slo_idx ON slo_alert_events (slo_name, objective_index, at DESC);
