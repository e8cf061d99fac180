// Alert instances: one row per (fingerprint, startsAt), from Alertmanager's webhook and from
// Pilothouse's own SLO evaluations. Repeats raise `received`, a resolution closes the row,
// and nothing re-opens a resolved alert (Alertmanager gives a re-fired alert a new startsAt).
import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { type Matcher, matchesAll } from './matchers.ts';
import type { AlertmanagerPayloadT, AlertState } from './schema.ts';

export interface AlertInstance {
  id: number;
  source: 'alertmanager' | 'slo';
  fingerprint: string;
  startsAt: Date;
  endsAt: Date | null;
  status: AlertState;
  alertname: string;
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorUrl: string | null;
  runbookUrl: string | null;
  slo: string | null;
  received: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
}

/** What an intake changed: new alerts, and alerts that went firing → resolved. */
export interface IntakeResult {
  alerts: number;
  created: number[];
  resolved: number[];
  repeats: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alertmanager's own fingerprint when it sent one; a hash of the sorted labels otherwise. */
export function fingerprintOf(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\xff${labels[k]}\xff`);
  return h.digest('hex').slice(0, 16);
}

const COLUMNS = `id::int, source, fingerprint, starts_at AS "startsAt", ends_at AS "endsAt", status, alertname, severity, labels, annotations,
  generator_url AS "generatorUrl", runbook_url AS "runbookUrl", slo_name AS slo, received, first_seen_at AS "firstSeenAt",
  last_seen_at AS "lastSeenAt", resolved_at AS "resolvedAt"`;

interface Upsert {
  source: 'alertmanager' | 'slo';
  fingerprint: string;
  startsAt: Date;
  endsAt: Date | null;
  status: AlertState;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorUrl?: string | null;
  receiver?: string | null;
  groupKey?: string | null;
  externalUrl?: string | null;
}

async function upsert(c: Queryable, a: Upsert): Promise<{ id: number; created: boolean; resolved: boolean }> {
  const severity = a.labels.severity ?? null;
  const slo = a.labels.slo ?? a.labels.slo_name ?? null;
  const runbook = a.annotations.runbook_url ?? a.annotations.runbook ?? null;
  const { rows } = await c.query<{ id: number; created: boolean; was: string | null; status: string }>(
    `WITH prev AS (SELECT status FROM alert_instances WHERE fingerprint = $2 AND starts_at = $3)
     INSERT INTO alert_instances AS ai (source, fingerprint, starts_at, ends_at, status, alertname, severity, labels, annotations,
       generator_url, runbook_url, slo_name, receiver, group_key, external_url, resolved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, CASE WHEN $5 = 'resolved' THEN clock_timestamp() END)
     ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
       received = ai.received + 1,
       last_seen_at = clock_timestamp(),
       status = CASE WHEN ai.status = 'resolved' THEN 'resolved' ELSE EXCLUDED.status END,
       ends_at = CASE WHEN ai.status = 'resolved' THEN ai.ends_at ELSE EXCLUDED.ends_at END,
       resolved_at = COALESCE(ai.resolved_at, EXCLUDED.resolved_at),
       labels = EXCLUDED.labels, annotations = EXCLUDED.annotations,
       severity = EXCLUDED.severity, runbook_url = COALESCE(EXCLUDED.runbook_url, ai.runbook_url)
     RETURNING id::int, (xmax = 0) AS created, (SELECT status FROM prev) AS was, status`,
    [a.source, a.fingerprint, a.startsAt, a.endsAt, a.status, a.labels.alertname ?? '(unnamed)', severity, a.labels, a.annotations,
      a.generatorUrl ?? null, runbook, slo, a.receiver ?? null, a.groupKey ?? null, a.externalUrl ?? null],
  );
  const r = rows[0]!;
  return { id: r.id, created: r.created, resolved: r.status === 'resolved' && r.was !== 'resolved' && !r.created };
}

/**
 * Stores one webhook body in one transaction: acknowledged only after it commits, so an
 * Alertmanager retry after a failure re-sends what was lost, and repeats change nothing.
 */
export async function ingestAlertmanager(db: Db, p: AlertmanagerPayloadT): Promise<IntakeResult> {
  return withTransaction(db, async (c) => {
    const out: IntakeResult = { alerts: p.alerts.length, created: [], resolved: [], repeats: 0 };
    for (const a of p.alerts) {
      const labels = { ...a.labels };
      const annotations = { ...(a.annotations ?? {}) };
      const endsAt = a.endsAt && a.endsAt !== ZERO_TIME && !a.endsAt.startsWith('0001-') ? new Date(a.endsAt) : null;
      const r = await upsert(c, {
        source: 'alertmanager', fingerprint: a.fingerprint ?? fingerprintOf(labels), startsAt: new Date(a.startsAt),
        endsAt: a.status === 'resolved' ? endsAt : null, status: a.status, labels, annotations, generatorUrl: a.generatorURL,
        receiver: p.receiver, groupKey: p.groupKey, externalUrl: p.externalURL,
      });
      if (r.created) out.created.push(r.id);
      else if (r.resolved) out.resolved.push(r.id);
      else out.repeats++;
      if (r.created && a.status === 'resolved') out.resolved.push(r.id);
    }
    return out;
  });
}

export interface SloAlertChange {
  slo: string;
  from: string;
  to: string;
  at: Date;
  labels: Record<string, string>;
  alertname: (severity: string) => string;
  runbookUrl?: (severity: string) => string | undefined;
  summary?: string;
}

/**
 * Pilothouse's own SLO alert as an instance, named and labelled as the generated Prometheus
 * rule is: a change from `page` to `ticket` resolves the page alert and fires the ticket one.
 */
export async function recordSloAlertChange(db: Queryable, ch: SloAlertChange): Promise<IntakeResult> {
  const out: IntakeResult = { alerts: 0, created: [], resolved: [], repeats: 0 };
  const labelsFor = (severity: string) => ({ ...ch.labels, alertname: ch.alertname(severity), severity, slo: ch.slo });
  if (ch.from === 'page' || ch.from === 'ticket') {
    const fp = fingerprintOf(labelsFor(ch.from));
    const { rows } = await db.query<{ id: number }>(
      `UPDATE alert_instances SET status = 'resolved', ends_at = $2, resolved_at = clock_timestamp(), last_seen_at = clock_timestamp()
        WHERE fingerprint = $1 AND status = 'firing' RETURNING id::int`, [fp, ch.at]);
    out.resolved.push(...rows.map((r) => r.id));
    out.alerts++;
  }
  if (ch.to === 'page' || ch.to === 'ticket') {
    const labels = labelsFor(ch.to);
    const runbook = ch.runbookUrl?.(ch.to);
    const r = await upsert(db, {
      source: 'slo', fingerprint: fingerprintOf(labels), startsAt: ch.at, endsAt: null, status: 'firing', labels,
      annotations: { ...(runbook ? { runbook_url: runbook } : {}), ...(ch.summary ? { summary: ch.summary } : {}) },
    });
    if (r.created) out.created.push(r.id); else out.repeats++;
    out.alerts++;
  }
  return out;
}

export interface AlertFilter {
  state?: AlertState;
  severity?: string;
  matchers?: Matcher[];
  since?: Date;
  limit?: number;
}

export async function listAlerts(db: Queryable, f: AlertFilter = {}): Promise<AlertInstance[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.state) { args.push(f.state); where.push(`status = $${args.length}`); }
  if (f.severity) { args.push(f.severity); where.push(`severity = $${args.length}`); }
  if (f.since) { args.push(f.since); where.push(`(status = 'firing' OR last_seen_at >= $${args.length})`); }
  // Equality matchers narrow in SQL (GIN index); every matcher is then checked exactly.
  const eq = Object.fromEntries((f.matchers ?? []).filter((m) => m.op === '=' && m.value !== '').map((m) => [m.name, m.value]));
  if (Object.keys(eq).length) { args.push(eq); where.push(`labels @> $${args.length}`); }
  const limit = Math.min(f.limit ?? 200, 1_000);
  const rows: AlertInstance[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  // Page through until `limit` rows pass the remaining matchers (regexes cannot run in SQL safely).
  for (;;) {
    const page = await db.query<AlertInstance>(
      `SELECT ${COLUMNS} FROM alert_instances WHERE ${[...where, `id < $${args.length + 1}`].join(' AND ')}
        ORDER BY id DESC LIMIT 500`, [...args, before]);
    for (const r of page.rows) if (!f.matchers || matchesAll(f.matchers, r.labels)) rows.push(r);
    if (page.rows.length < 500 || rows.length >= limit) break;
    before = page.rows[page.rows.length - 1]!.id;
  }
  return rows.slice(0, limit);
}

export async function getAlert(db: Queryable, id: number): Promise<AlertInstance | null> {
  const { rows } = await db.query<AlertInstance>(`SELECT ${COLUMNS} FROM alert_instances WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function firingAlerts(db: Queryable): Promise<AlertInstance[]> {
  const { rows } = await db.query<AlertInstance>(`SELECT ${COLUMNS} FROM alert_instances WHERE status = 'firing' ORDER BY id`);
  return rows;
}

/** Firing alerts, those resolved since a time, and the ones named: for the notification planner. */
export async function alertsSeenSince(db: Queryable, since: Date, ids: number[] = []): Promise<AlertInstance[]> {
  const { rows } = await db.query<AlertInstance>(
    `SELECT ${COLUMNS} FROM alert_instances WHERE status = 'firing' OR resolved_at >= $1 OR id = ANY($2::bigint[]) ORDER BY id`, [since, ids]);
  return rows;
}
