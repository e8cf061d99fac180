// The fleet cost collection every minute (node-cron, UTC), only when a cluster is configured.
// Safe on several replicas: each minute's rows are replaced under an advisory lock.
import * as k8s from '@kubernetes/client-node';
import cron from 'node-cron';
import type { Db } from '../../db/pool.ts';
import { collectFleetCost } from './fleet-collector.ts';

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
  return { stop: () => void task.stop() };
}
