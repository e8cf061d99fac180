// Month close: after a grace period for late events, each tenant's report of the month is
// frozen into an immutable snapshot, and the month stops taking events, cancellations and
// new prices. Ingestion holds a shared lock while it writes; closing takes it exclusively,
// so no batch can commit into a month after its snapshot was taken.
import { withTransaction, type Db } from '../../db/pool.ts';
import { ConflictError } from '../../tenancy/errors.ts';
import { computeReport, periodBounds } from './report.ts';
import { refreshRollups } from './rollups.ts';
import { CLOSE_LOCK } from './store.ts';


export interface CloseResult {
  period: string;
  closed: boolean;
  tenants: number;
}

/** Closes `period` (YYYY-MM) and any earlier month still open; idempotent. */
export async function closeMonth(db: Db, period: string, now = new Date()): Promise<CloseResult[]> {
  const { end } = periodBounds(period);
  if (end > now) throw new ConflictError(`${period} has not ended yet: a month closes after its last day`);
  return withTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CLOSE_LOCK]);
    // No batch writes while the lock is held; those committed before it enter the rollups now.
    await refreshRollups(db);
    const { rows: open } = await client.query<{ period: string }>(
      `SELECT to_char(m, 'YYYY-MM') AS period FROM generate_series(
          (SELECT least(date_trunc('month', min(hour)), $1::timestamptz) FROM usage_rollups_hourly
            WHERE hour > coalesce((SELECT max(period)::timestamptz FROM usage_closed_periods), '-infinity')),
          $1::timestamptz, interval '1 month') m
        WHERE NOT EXISTS (SELECT 1 FROM usage_closed_periods c WHERE c.period = m::date)
        ORDER BY m`,
      [`${period}-01T00:00:00Z`],
    );
    const results: CloseResult[] = [];
    for (const { period: p } of open) {
      const b = periodBounds(p);
      const { rows: closedRow } = await client.query<{ closed_at: Date }>(
        'INSERT INTO usage_closed_periods (period) VALUES ($1) RETURNING closed_at', [`${p}-01`],
      );
      const { rows: tenants } = await client.query<{ tenant_id: string }>(
        `SELECT DISTINCT tenant_id FROM usage_rollups_hourly WHERE hour >= $1 AND hour < $2
          AND tenant_id IN (SELECT id FROM tenants)`,
        [b.start, b.end],
      );
      for (const { tenant_id } of tenants) {
        const report = await computeReport(client, tenant_id, p, closedRow[0]!.closed_at);
        await client.query('INSERT INTO usage_snapshots (tenant_id, period, report, closed_at) VALUES ($1, $2, $3, $4)', [tenant_id, `${p}-01`, report, closedRow[0]!.closed_at]);
      }
      results.push({ period: p, closed: true, tenants: tenants.length });
    }
    if (results.length === 0) results.push({ period, closed: false, tenants: 0 });
    return results;
  });
}

/** The month that is due for closing at `now`, if its grace period is over. */
export function dueMonth(now: Date, graceDays: number): string {
  const due = new Date(now.getTime() - graceDays * 24 * 3600_000);
  const prev = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() - 1, 1));
  return prev.toISOString().slice(0, 7);
}
