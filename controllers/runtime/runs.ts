// The last run of each controller (controller_runs, written by runtime.ts at the end of
// every run), as the API and console show it.
import type { Queryable } from '../../db/pool.ts';

export interface LastRun {
  startedAt: Date;
  finishedAt: Date;
  decisions: number;
  applied: number;
  failed: number;
  deferred: number;
  dryRun: boolean;
  error: string | null;
  holder: string;
  epoch: number;
}

export async function lastRuns(db: Queryable): Promise<Map<string, LastRun>> {
  const { rows } = await db.query('SELECT * FROM controller_runs');
  return new Map(rows.map((r) => [r.controller as string, {
    startedAt: r.started_at, finishedAt: r.finished_at, decisions: r.decisions, applied: r.applied, failed: r.failed,
    deferred: r.deferred, dryRun: r.dry_run, error: r.error, holder: r.holder, epoch: r.epoch,
  }]));
}
