// Reads of the fleet cost: hourly lines (a tenant's share, system, idle, over-commit) and
// totals over a window, from the minute samples and the hours compacted from older ones (a
// compacted hour counts whole when the window starts or ends inside it). A tenant's read is
// filtered in SQL to its own line only.
import { Decimal } from 'decimal.js';
import { withTransaction, type Db, type Queryable } from '../../db/pool.ts';

export interface FleetCostLine { line: string; tenantId: string | null; cpu: string; memory: string; total: string }
/** `minutes`: how many minutes of the hour were sampled, so a partial hour's rate is total × 60 ÷ minutes */
export interface FleetCosts { hours: ({ hour: string; minutes: number } & FleetCostLine)[]; totals: FleetCostLine[]; total: string }

export async function fleetCosts(db: Queryable, q: { from: Date; to: Date; tenantId?: string }): Promise<FleetCosts> {
  const params: unknown[] = [q.from, q.to];
  if (q.tenantId) params.push(q.tenantId);
  // An hour's sampled minutes are counted over every line before a tenant's read is narrowed
  // to its own: a tenant's hourly rate divides by the minutes the fleet was sampled.
  const { rows } = await db.query<{ hour: Date; minutes: number; line: string; tenant_id: string | null; cpu: string; memory: string; total: string }>(
    `WITH c AS (
       SELECT date_trunc('hour', sample_minute, 'UTC') AS hour, sample_minute, NULL::int AS minutes, line, tenant_id, cpu, memory, total
         FROM fleet_cost_samples WHERE sample_minute >= $1 AND sample_minute < $2
       UNION ALL
       SELECT hour, NULL, minutes, line, tenant_id, cpu, memory, total
         FROM fleet_cost_hourly WHERE hour > $1 - interval '1 hour' AND hour < $2
     ), m AS (
       SELECT hour, least(60, count(DISTINCT sample_minute) + coalesce(max(minutes), 0))::int AS minutes FROM c GROUP BY hour
     )
     SELECT c.hour, m.minutes, line, tenant_id, sum(cpu)::text AS cpu, sum(memory)::text AS memory, sum(total)::text AS total
       FROM c JOIN m USING (hour)
      ${q.tenantId ? `WHERE line = 'tenant' AND tenant_id = $3` : ''}
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4`, params);
  const totals = new Map<string, { line: string; tenantId: string | null; cpu: Decimal; memory: Decimal; total: Decimal }>();
  let total = new Decimal(0);
  for (const r of rows) {
    const key = `${r.line}|${r.tenant_id ?? ''}`;
    const t = totals.get(key) ?? { line: r.line, tenantId: r.tenant_id, cpu: new Decimal(0), memory: new Decimal(0), total: new Decimal(0) };
    totals.set(key, { ...t, cpu: t.cpu.add(r.cpu), memory: t.memory.add(r.memory), total: t.total.add(r.total) });
    total = total.add(r.total);
  }
  return {
    hours: rows.map((r) => ({ hour: r.hour.toISOString(), minutes: r.minutes, line: r.line, tenantId: r.tenant_id, cpu: r.cpu, memory: r.memory, total: r.total })),
    totals: [...totals.values()].map((t) => ({ line: t.line, tenantId: t.tenantId, cpu: t.cpu.toString(), memory: t.memory.toString(), total: t.total.toString() })),
    total: total.toString(),
  };
}

/** Minute samples are kept this long, then compacted into hours. */
export const MINUTE_SAMPLE_DAYS = 7;

/**
 * Sums the minute samples of every whole hour older than `keepDays` into fleet_cost_hourly
 * and deletes them, in one transaction under the collector's lock. A minute stored into an
 * hour already compacted adds to it.
 */
export async function compactFleetCost(db: Db, now = new Date(), keepDays = MINUTE_SAMPLE_DAYS): Promise<{ minutes: number; hours: number }> {
  const before = new Date(Math.floor((now.getTime() - keepDays * 86_400_000) / 3_600_000) * 3_600_000);
  return withTransaction(db, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('fleet_cost_samples'))`);
    const { rows } = await c.query<{ minutes: number; hours: number }>(
      `WITH gone AS (DELETE FROM fleet_cost_samples WHERE sample_minute < $1 RETURNING *),
            hours AS (
              INSERT INTO fleet_cost_hourly AS h (hour, line, tenant_id, cpu, memory, total, minutes)
              SELECT date_trunc('hour', sample_minute, 'UTC'), line, tenant_id, sum(cpu), sum(memory), sum(total), count(*)
                FROM gone GROUP BY 1, 2, 3
              ON CONFLICT (hour, line, tenant_key) DO UPDATE
                SET cpu = h.cpu + excluded.cpu, memory = h.memory + excluded.memory, total = h.total + excluded.total, minutes = h.minutes + excluded.minutes
              RETURNING 1)
       SELECT (SELECT count(*) FROM gone)::int AS minutes, (SELECT count(*) FROM hours)::int AS hours`,
      [before],
    );
    return rows[0]!;
  });
}

/**
 * Today's fleet cost (UTC day) and its current rate, USD per hour: the last 10 sampled
 * minutes' cost × 60 ÷ minutes sampled. Null before any minute of today was sampled.
 */
export async function fleetCostToday(db: Queryable, now = new Date()): Promise<{ soFarUsd: number; ratePerHourUsd: number } | null> {
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const soFar = await fleetCosts(db, { from: dayStart, to: now });
  const { rows } = await db.query<{ total: string | null; minutes: number }>(
    `SELECT sum(total)::text AS total, count(DISTINCT sample_minute)::int AS minutes FROM fleet_cost_samples
      WHERE sample_minute >= greatest($1::timestamptz, $2::timestamptz - interval '10 minutes') AND sample_minute < $2`, [dayStart, now]);
  if (!rows[0]?.minutes) return null;
  return { soFarUsd: Number(soFar.total), ratePerHourUsd: new Decimal(rows[0].total ?? 0).mul(60).div(rows[0].minutes).toNumber() };
}
