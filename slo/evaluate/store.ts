// Evaluations and alert state changes in PostgreSQL, and the reads the API and reports need.
import type { Db } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import type { Evaluation } from './evaluate.ts';
import { recordSloAlertChange } from '../alerts/store.ts';

export interface AlertChange {
  slo: string;
  objective: number;
  from: string;
  to: string;
  at: Date;
}

export interface StoredEvaluation {
  slo: string;
  /** index of the objective in spec.objectives */
  objectiveIndex: number;
  evaluatedAt: Date;
  objective: number;
  periodStart: Date;
  periodEnd: Date;
  events: number | null;
  badEvents: number | null;
  sli: number | null;
  budgetRemaining: number | null;
  burnRates: unknown[];
  tiers: unknown[];
  alert: string;
  lowTraffic: boolean;
  exhaustionAt: Date | null;
  error: string | null;
}

const minute = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

/**
 * Stores one evaluation (or the error that prevented it) for its minute and records an
 * alert change against the last known state. A second replica storing the same minute
 * changes nothing: the row key absorbs it, and the per-SLO lock orders the two.
 */
/** How the SLO's alert is named and labelled, as its generated Prometheus rule (slo/rules). */
export interface SloAlertIdentity {
  labels: Record<string, string>;
  alertname(severity: string): string;
  summary?: string;
}

export async function storeEvaluation(db: Db, e: Evaluation | { slo: string; objective: number; at: Date; target: number; period: { from: Date; to: Date }; error: string }, runbookUrl?: (severity: string) => string | undefined, alert?: SloAlertIdentity): Promise<AlertChange | null> {
  return withTransaction(db, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`slo:${e.slo}:${e.objective}`]);
    const at = minute(e.at);
    const ok = 'alert' in e;
    const inserted = await c.query(
      `INSERT INTO slo_evaluations (slo_name, evaluated_at, objective, period_start, period_end, events, bad_events, sli, budget_remaining, burn_rates, tiers, alert, low_traffic, exhaustion_at, error, objective_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING`,
      ok
        ? [e.slo, at, e.target, e.period.from, e.period.to, e.events, e.badEvents, e.sli, e.budgetRemaining,
          JSON.stringify(e.burnRates), JSON.stringify(e.tiers.map((t) => ({ severity: t.tier.severity, factor: t.tier.factor, longMs: t.tier.longMs, shortMs: t.tier.shortMs, longBurn: t.longBurn, shortBurn: t.shortBurn, firing: t.firing, suppressedLowTraffic: t.suppressedLowTraffic }))),
          e.alert, e.lowTraffic, e.exhaustionAt, null, e.objective]
        : [e.slo, at, e.target, e.period.from, e.period.to, null, null, null, null, '[]', '[]', 'unknown', false, null, e.error, e.objective],
    );
    if (inserted.rowCount === 0 || !ok) return null;
    const prev = await c.query<{ alert: string }>(
      `SELECT alert FROM slo_evaluations WHERE slo_name = $1 AND objective_index = $3 AND evaluated_at < $2 AND alert <> 'unknown' ORDER BY evaluated_at DESC LIMIT 1`, [e.slo, at, e.objective]);
    const from = prev.rows[0]?.alert ?? 'none';
    if (from === e.alert) return null;
    const severity = e.alert === 'none' ? from : e.alert;
    await c.query(
      'INSERT INTO slo_alert_events (slo_name, at, from_state, to_state, severity, runbook_url, details, objective_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [e.slo, at, from, e.alert, severity, runbookUrl?.(severity) ?? null, JSON.stringify({ burnRates: e.burnRates, budgetRemaining: e.budgetRemaining }), e.objective],
    );
    // The alert instance is written in the same transaction: remediation and notifications read it.
    if (alert) await recordSloAlertChange(c, { slo: e.slo, from, to: e.alert, at, labels: alert.labels, alertname: alert.alertname, runbookUrl, summary: alert.summary });
    return { slo: e.slo, objective: e.objective, from, to: e.alert, at };
  });
}

const COLUMNS = `slo_name AS slo, objective_index AS "objectiveIndex", evaluated_at AS "evaluatedAt", objective, period_start AS "periodStart", period_end AS "periodEnd",
  events, bad_events AS "badEvents", sli, budget_remaining AS "budgetRemaining", burn_rates AS "burnRates", tiers, alert,
  low_traffic AS "lowTraffic", exhaustion_at AS "exhaustionAt", error`;

/** The key of an SLO objective in the maps below. */
export const objectiveKey = (slo: string, objective: number) => `${slo}#${objective}`;

/** The latest evaluation of each SLO objective, keyed by objectiveKey(). */
export async function latestEvaluations(db: Db): Promise<Map<string, StoredEvaluation>> {
  const { rows } = await db.query<StoredEvaluation>(
    `SELECT DISTINCT ON (slo_name, objective_index) ${COLUMNS} FROM slo_evaluations ORDER BY slo_name, objective_index, evaluated_at DESC`);
  return new Map(rows.map((r) => [objectiveKey(r.slo, r.objectiveIndex), r]));
}

/** Evaluations between two times, thinned to at most one per `stepMs` (the last of each step). */
export async function evaluationHistory(db: Db, slo: string, from: Date, to: Date, stepMs: number, objective = 0): Promise<StoredEvaluation[]> {
  const { rows } = await db.query<StoredEvaluation>(
    `SELECT DISTINCT ON (date_bin(make_interval(secs => $4), evaluated_at, $2)) ${COLUMNS}
       FROM slo_evaluations WHERE slo_name = $1 AND objective_index = $5 AND evaluated_at >= $2 AND evaluated_at <= $3
      ORDER BY date_bin(make_interval(secs => $4), evaluated_at, $2), evaluated_at DESC`,
    [slo, from, to, stepMs / 1000, objective]);
  return rows;
}

export async function alertEvents(db: Db, slo: string, limit = 100, objective = 0): Promise<{ at: Date; from: string; to: string; severity: string | null; runbookUrl: string | null }[]> {
  const { rows } = await db.query(
    `SELECT at, from_state AS "from", to_state AS "to", severity, runbook_url AS "runbookUrl" FROM slo_alert_events WHERE slo_name = $1 AND objective_index = $3 ORDER BY at DESC, id DESC LIMIT $2`, [slo, limit, objective]);
  return rows;
}
