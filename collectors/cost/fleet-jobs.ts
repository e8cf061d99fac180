// The fleet cost collection every minute and the compaction of old minutes into hours every
// hour (node-cron, UTC), only when a cluster is configured. On several replicas each runs
// once per period (db/scheduled.ts); and were one to run twice, both take the same advisory
// lock, a minute's rows are replaced, a compacted minute is gone.
import cron from 'node-cron';
import type { Db } from '../../db/pool.ts';
import { Kube, type KubeOptions } from '../../kube/client.ts';
import { collectFleetCost } from './fleet-collector.ts';
import { compactFleetCost } from './fleet-costs.ts';
import { everySeconds, runOncePerPeriod } from '../../db/scheduled.ts';

export function startFleetCostJob(db: Db, access: KubeOptions, log: { error(obj: object, msg: string): void }, intervalSeconds = 60): { stop(): void } {
  const kube = new Kube(access);
  const task = cron.schedule(everySeconds(intervalSeconds), async () => {
    try {
      await runOncePerPeriod(db, 'fleet-cost', intervalSeconds * 1000, () => collectFleetCost(db, kube));
    } catch (err) {
      log.error({ job: 'fleet-cost', err }, 'fleet cost collection failed');
    }
  }, { name: 'fleet-cost', timezone: 'UTC', noOverlap: true });
  const compaction = cron.schedule('7 * * * *', async () => {
    try {
      await runOncePerPeriod(db, 'fleet-cost-compaction', 3_600_000, () => compactFleetCost(db));
    } catch (err) {
      log.error({ job: 'fleet-cost-compaction', err }, 'fleet cost compaction failed');
    }
  }, { name: 'fleet-cost-compaction', timezone: 'UTC', noOverlap: true });
  return { stop: () => { void task.stop(); void compaction.stop(); } };
}
