// Scheduled usage work (node-cron, UTC): rollups every minute, the month close once its
// grace period is over, and pruning of idempotency keys that can no longer match (events
// older than the 35-day acceptance window are refused before their key is looked up).
// On several replicas each job runs once per period (db/scheduled.ts claims it); each is
// also safe when run twice: rollups take an advisory lock, the close is idempotent,
// pruning deletes only dead keys.
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import type { Db } from '../../db/pool.ts';
import { listCatalogs, loadCatalogFile } from '../cost/catalog-store.ts';
import { closeMonth, dueMonth } from './close.ts';
import { refreshRollups } from './rollups.ts';
import { everySeconds, runOncePerPeriod } from '../../db/scheduled.ts';

export const DEFAULT_CATALOG = fileURLToPath(new URL('../cost/default-catalog.yaml', import.meta.url));

interface Log {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface UsageJobOptions {
  graceDays: number;
  /** seconds between rollup refreshes (default 60) */
  intervalSeconds?: number;
  catalogFile?: string;
}

/** Loads the configured price catalogue, or the shipped default when none is stored yet. */
export async function loadPrices(db: Db, file: string | undefined, log: Log): Promise<void> {
  if (!file && (await listCatalogs(db)).length > 0) return;
  const r = await loadCatalogFile(db, file ?? DEFAULT_CATALOG);
  if (r.added) log.info({ version: r.version, file: file ?? DEFAULT_CATALOG }, 'price catalogue version added');
}

export async function pruneEventKeys(db: Db): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM usage_event_keys WHERE time < now() - interval '36 days'`);
  return rowCount ?? 0;
}

const DAY_MS = 86_400_000;

export function startUsageJobs(db: Db, opts: UsageJobOptions, log: Log): { stop(): void } {
  const every = opts.intervalSeconds ?? 60;
  const run = (name: string, periodMs: number, fn: () => Promise<unknown>) => async () => {
    try {
      const outcome = await runOncePerPeriod(db, name, periodMs, fn);
      if (outcome.ran && name !== 'usage-rollups') log.info({ job: name, result: outcome.result }, 'usage job done');
    } catch (err) {
      log.error({ job: name, err }, 'usage job failed');
    }
  };
  const tasks = [
    cron.schedule(everySeconds(every), run('usage-rollups', every * 1000, () => refreshRollups(db)), { name: 'usage-rollups', timezone: 'UTC', noOverlap: true }),
    cron.schedule('20 0 * * *', run('usage-month-close', DAY_MS, () => closeMonth(db, dueMonth(new Date(), opts.graceDays))), { name: 'usage-month-close', timezone: 'UTC', noOverlap: true }),
    cron.schedule('40 3 * * *', run('usage-key-prune', DAY_MS, () => pruneEventKeys(db)), { name: 'usage-key-prune', timezone: 'UTC', noOverlap: true }),
  ];
  return { stop: () => tasks.forEach((t) => t.stop()) };
}
