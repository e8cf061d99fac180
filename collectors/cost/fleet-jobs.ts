// The fleet cost collection every minute and the compaction of old minutes into hours every
// hour (node-cron, UTC), only when a cluster is configured. Safe on several replicas: both
// run under the same advisory lock, a minute's rows are replaced, a compacted minute is gone.
import cron from 'node-cron';
import type { Db } from '../../db/pool.ts';
import { Kube, type KubeOptions } from '../../kube/client.ts';
import { collectFleetCost } from './fleet-collector.ts';
import { compactFleetCost } from './fleet-costs.ts';

export function startFleetCostJob(db: Db, access: KubeOptions, log: { error(obj: object, msg: string): void }): { stop(): void } {
  const kube = new Kube(access);
  const task = cron.schedule('* * * * *', async () => {
    try {
      await collectFleetCost(db, kube);
    } catch (err) {
      log.error({ job: 'fleet-cost', err }, 'fleet cost collection failed');
    }
  }, { name: 'fleet-cost', timezone: 'UTC', noOverlap: true });
  const compaction = cron.schedule('7 * * * *', async () => {
    try {
      await compactFleetCost(db);
    } catch (err) {
      log.error({ job: 'fleet-cost-compaction', err }, 'fleet cost compaction failed');
    }
  }, { name: 'fleet-cost-compaction', timezone: 'UTC', noOverlap: true });
  return { stop: () => { void task.stop(); void compaction.stop(); } };
}
