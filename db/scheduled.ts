// Scheduled jobs on several replicas: every replica's cron fires, one runs the period.
// A claim row (job, period start) decides who: the INSERT that lands runs the job, the
// others skip. A replica that dies mid-run loses that period; the jobs using this are
// level-based (they recompute from the data at the next period), so nothing is lost.
import { hostname } from 'node:os';
import type { Queryable } from './pool.ts';

export const RUN_HOLDER = `${hostname()}:${process.pid}`;
/** Claims older than this are pruned by the next claim of the same job. */
const KEEP_DAYS = 7;

export type RunOutcome<T> = { ran: true; period: Date; result: T } | { ran: false; period: Date; holder: string };

/** The start of the period of `periodMs` that `now` falls in (periods align to the epoch, so to UTC minutes and hours). */
export function periodStart(now: Date, periodMs: number): Date {
  return new Date(Math.floor(now.getTime() / periodMs) * periodMs);
}

/** Runs `fn` unless another replica has claimed this job's current period. */
export async function runOncePerPeriod<T>(db: Queryable, job: string, periodMs: number, fn: () => Promise<T>, opts: { now?: Date; holder?: string } = {}): Promise<RunOutcome<T>> {
  const period = periodStart(opts.now ?? new Date(), periodMs);
  const holder = opts.holder ?? RUN_HOLDER;
  const claim = await db.query<{ holder: string }>(
    `INSERT INTO scheduled_runs (job, period, holder) VALUES ($1, $2, $3) ON CONFLICT (job, period) DO NOTHING RETURNING holder`,
    [job, period, holder],
  );
  if (claim.rowCount === 0) {
    // Read in a statement of its own: the conflicting row committed after the INSERT's snapshot.
    const other = await db.query<{ holder: string }>(`SELECT holder FROM scheduled_runs WHERE job = $1 AND period = $2`, [job, period]);
    return { ran: false, period, holder: other.rows[0]?.holder ?? 'unknown' };
  }
  try {
    const result = await fn();
    await db.query(`UPDATE scheduled_runs SET finished_at = now() WHERE job = $1 AND period = $2`, [job, period]);
    return { ran: true, period, result };
  } catch (err) {
    await db.query(`UPDATE scheduled_runs SET finished_at = now(), error = $3 WHERE job = $1 AND period = $2`, [job, period, String((err as Error)?.message ?? err).slice(0, 2000)]);
    throw err;
  } finally {
    await db.query(`DELETE FROM scheduled_runs WHERE job = $1 AND period < $2::timestamptz - make_interval(days => $3)`, [job, period, KEEP_DAYS]);
  }
}

/**
 * The node-cron expression of a job that runs every `seconds` (60: each minute, at :00;
 * a divisor of 60 below it: tests and demos that cannot wait a minute).
 */
export function everySeconds(seconds: number): string {
  return seconds >= 60 ? '* * * * *' : `*/${seconds} * * * * *`;
}
