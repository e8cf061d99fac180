// The fleet cost collection every minute and the compaction of old minutes into hours every
// hour (node-cron, UTC), only when a cluster is configured. Safe on several replicas: both
// run under the same advisory lock, a minute's rows are replaced, a compacted minute is gone.
import * as k8s from '@kubernetes/client-node';
import cron from 'node-cron';
import type { Db } from '../../db/pool.ts';
import { collectFleetCost } from './fleet-collector.ts';
import { compactFleetCost } from './fleet-costs.ts';

export type FleetAccess = { server: string } | { kubeconfig: string } | { inCluster: true };

/** The same three ways in as controllers/kube/client.ts (which collectors/ may not import). */
export function fleetKubeConfig(a: FleetAccess): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if ('server' in a) {
    kc.loadFromOptions({
      clusters: [{ name: 'pilothouse', server: a.server.replace(/\/+$/, ''), skipTLSVerify: true }],
      users: [{ name: 'pilothouse' }],
      contexts: [{ name: 'pilothouse', cluster: 'pilothouse', user: 'pilothouse' }],
      currentContext: 'pilothouse',
    });
  } else if ('kubeconfig' in a) kc.loadFromFile(a.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

export function startFleetCostJob(db: Db, access: FleetAccess, log: { error(obj: object, msg: string): void }): { stop(): void } {
  const kc = fleetKubeConfig(access);
  const task = cron.schedule('* * * * *', async () => {
    try {
      await collectFleetCost(db, kc);
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
