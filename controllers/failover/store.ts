// Regions in PostgreSQL: their configuration, health checks, switches with their RTO and
// people's failover requests. The API and the failover controller both read through here.
import type { Queryable } from '../../db/pool.ts';
import type { Check } from './health.ts';

export interface RegionRow {
  name: string;
  priority: number;
  probeUrl: string;
  active: boolean;
  autoFailback: boolean;
  slos: string[];
  updatedAt: Date;
}

export interface CheckRow extends Check {
  region: string;
  probeOk: boolean;
  httpStatus: number | null;
  latencyMs: number | null;
  burnRate: number | null;
  error: string | null;
}

export interface FailoverRow {
  id: number;
  fromRegion: string | null;
  toRegion: string;
  kind: 'automatic' | 'manual' | 'failback';
  reason: string;
  actor: string;
  firstFailedAt: Date | null;
  switchedAt: Date;
  rtoMs: number | null;
  steps: unknown[];
  epoch: number;
}

const region = (r: any): RegionRow => ({ name: r.name, priority: r.priority, probeUrl: r.probe_url, active: r.active, autoFailback: r.auto_failback, slos: r.slos, updatedAt: r.updated_at });

export async function listRegions(db: Queryable): Promise<RegionRow[]> {
  const { rows } = await db.query(`SELECT * FROM regions ORDER BY priority, name`);
  return rows.map(region);
}

/** Adds a region or changes its priority, probe, failback and SLOs (never its active flag). */
export async function upsertRegion(db: Queryable, r: Pick<RegionRow, 'name' | 'priority' | 'probeUrl'> & Partial<Pick<RegionRow, 'autoFailback' | 'slos'>>): Promise<void> {
  await db.query(
    `INSERT INTO regions (name, priority, probe_url, auto_failback, slos) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET priority = $2, probe_url = $3, auto_failback = $4, slos = $5, updated_at = now()`,
    [r.name, r.priority, r.probeUrl, r.autoFailback ?? false, r.slos ?? []],
  );
}

/** The newest checks of each region, newest first. */
export async function recentChecks(db: Queryable, limit = 20): Promise<Map<string, CheckRow[]>> {
  const { rows } = await db.query(
    `SELECT c.* FROM regions r CROSS JOIN LATERAL (
       SELECT * FROM region_checks WHERE region = r.name ORDER BY at DESC, id DESC LIMIT $1) c
     ORDER BY c.region, c.at DESC, c.id DESC`,
    [limit],
  );
  const out = new Map<string, CheckRow[]>();
  for (const c of rows) {
    const list = out.get(c.region) ?? [];
    list.push({ region: c.region, at: c.at.getTime(), ok: c.ok, probeOk: c.probe_ok, httpStatus: c.http_status, latencyMs: c.latency_ms, burnRate: c.burn_rate, error: c.error });
    out.set(c.region, list);
  }
  return out;
}

export async function recordCheck(db: Queryable, c: CheckRow): Promise<void> {
  await db.query(
    `INSERT INTO region_checks (region, at, ok, probe_ok, http_status, latency_ms, burn_rate, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [c.region, new Date(c.at), c.ok, c.probeOk, c.httpStatus, c.latencyMs, c.burnRate, c.error],
  );
}

/**
 * The fastest burn of a region's SLOs now: the shortest window's burn rate of each SLO's
 * latest evaluation (within the last 10 minutes), the highest of them; null without any.
 */
export async function regionBurnRate(db: Queryable, slos: string[], now: Date): Promise<number | null> {
  if (!slos.length) return null;
  const { rows } = await db.query(
    `SELECT DISTINCT ON (slo_name) slo_name, burn_rates FROM slo_evaluations
     WHERE slo_name = ANY($1) AND evaluated_at > $2::timestamptz - interval '10 minutes' AND evaluated_at <= $2
     ORDER BY slo_name, evaluated_at DESC`,
    [slos, now],
  );
  let worst: number | null = null;
  for (const r of rows) {
    const shortest = (r.burn_rates as { windowMs: number; burnRate: number }[]).reduce<{ windowMs: number; burnRate: number } | undefined>((a, b) => (!a || b.windowMs < a.windowMs ? b : a), undefined);
    if (shortest && Number.isFinite(shortest.burnRate)) worst = Math.max(worst ?? 0, shortest.burnRate);
  }
  return worst;
}

export async function lastSwitchAt(db: Queryable): Promise<number | null> {
  const { rows } = await db.query(`SELECT max(switched_at) AS at FROM region_failovers`);
  return rows[0].at ? rows[0].at.getTime() : null;
}

export async function listFailovers(db: Queryable, limit = 50): Promise<FailoverRow[]> {
  const { rows } = await db.query(`SELECT * FROM region_failovers ORDER BY switched_at DESC, id DESC LIMIT $1`, [limit]);
  return rows.map((r) => ({
    id: Number(r.id), fromRegion: r.from_region, toRegion: r.to_region, kind: r.kind, reason: r.reason, actor: r.actor,
    firstFailedAt: r.first_failed_at, switchedAt: r.switched_at, rtoMs: r.rto_ms, steps: r.steps, epoch: Number(r.epoch),
  }));
}

export interface RequestRow { id: number; toRegion: string; reason: string; actor: string; requestedAt: Date; doneAt: Date | null; failoverId: number | null; error: string | null }

const request = (r: any): RequestRow => ({ id: Number(r.id), toRegion: r.to_region, reason: r.reason, actor: r.actor, requestedAt: r.requested_at, doneAt: r.done_at, failoverId: r.failover_id === null ? null : Number(r.failover_id), error: r.error });

export async function openRequests(db: Queryable): Promise<RequestRow[]> {
  const { rows } = await db.query(`SELECT * FROM region_failover_requests WHERE done_at IS NULL ORDER BY requested_at, id`);
  return rows.map(request);
}

export async function addRequest(db: Queryable, r: { toRegion: string; reason: string; actor: string }): Promise<RequestRow> {
  const { rows } = await db.query(`INSERT INTO region_failover_requests (to_region, reason, actor) VALUES ($1, $2, $3) RETURNING *`, [r.toRegion, r.reason, r.actor]);
  return request(rows[0]);
}

export async function readRequest(db: Queryable, id: number): Promise<RequestRow | null> {
  const { rows } = await db.query(`SELECT * FROM region_failover_requests WHERE id = $1`, [id]);
  return rows[0] ? request(rows[0]) : null;
}

export async function recentRequests(db: Queryable, limit = 20): Promise<RequestRow[]> {
  const { rows } = await db.query(`SELECT * FROM region_failover_requests ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map(request);
}
