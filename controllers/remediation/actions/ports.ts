// The two actions whose full machinery belongs to other controllers (regional failover, the
// warm pool autoscaler) act through these small interfaces. The defaults here work on their
// own: failover writes the routing ConfigMap traffic is steered by, and the warm pool is
// raised by scaling the region's headroom Deployment and stamping a floor on it.
import type { Kube } from '../../../kube/client.ts';
import { createObject, readObject, updateObject } from '../../../kube/objects.ts';
import { MANAGED_BY, MANAGER } from '../../../kube/labels.ts';

export const SYSTEM_NAMESPACE = 'pilothouse-system';
export const ROUTING_CONFIGMAP = 'pilothouse-region-routing';
/** on the headroom Deployment: replicas the autoscaler should not go below, and until when */
export const WARM_FLOOR_ANNOTATION = 'pilothouse.io/warm-pool-floor';
export const WARM_FLOOR_UNTIL_ANNOTATION = 'pilothouse.io/warm-pool-floor-until';

export interface RegionRouter {
  /** steer new traffic away from `from` to `to`; returns what changed */
  failover(kube: Kube, args: { from: string; to: string; reason: string; epoch: number; dryRun: boolean; now: Date }): Promise<unknown>;
}

export interface WarmPool {
  raise(kube: Kube, args: { region: string; pool: string; by: number; max: number; holdSeconds: number; epoch: number; dryRun: boolean; now: Date }): Promise<unknown>;
}

export const configMapRouter: RegionRouter = {
  async failover(kube, { from, to, reason, epoch, dryRun, now }) {
    const current = await readObject(kube, 'ConfigMap', SYSTEM_NAMESPACE, ROUTING_CONFIGMAP);
    const data = { ...(current as { data?: Record<string, string> } | null)?.data };
    if (data.active === to && data[`region.${from}`] === 'drained') return { changed: false, active: to };
    const next = { ...data, active: to, previous: from, [`region.${from}`]: 'drained', [`region.${to}`]: 'active', reason, changedAt: now.toISOString() };
    if (dryRun) return { changed: true, dryRun: true, data: next };
    if (!current) {
      await ensureNamespace(kube, epoch);
      const r = await createObject(kube, 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROUTING_CONFIGMAP, namespace: SYSTEM_NAMESPACE, labels: { [MANAGED_BY]: MANAGER } }, data: next } as never, epoch);
      return { ...r, active: to };
    }
    const r = await updateObject(kube, 'ConfigMap', SYSTEM_NAMESPACE, ROUTING_CONFIGMAP, epoch, (cm) => ({ ...cm, data: { ...(cm as { data?: object }).data, ...next } } as never));
    return { ...r, active: to };
  },
};

async function ensureNamespace(kube: Kube, epoch: number) {
  if (await readObject(kube, 'Namespace', '', SYSTEM_NAMESPACE)) return;
  await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE, labels: { [MANAGED_BY]: MANAGER } } }, epoch);
}

export const headroomWarmPool: WarmPool = {
  async raise(kube, { region, pool, by, max, holdSeconds, epoch, dryRun, now }) {
    const name = `headroom-${region}-${pool}`;
    const current = await readObject(kube, 'Deployment', SYSTEM_NAMESPACE, name);
    if (!current) throw new Error(`no warm pool Deployment ${SYSTEM_NAMESPACE}/${name}: is the headroom autoscaler running for ${region}/${pool}?`);
    const from = current.spec?.replicas ?? 0;
    const to = Math.min(max, from + by);
    if (to <= from) return { changed: false, replicas: from, reason: `already at the bound of ${max}` };
    if (dryRun) return { changed: true, dryRun: true, from, to };
    const until = new Date(now.getTime() + holdSeconds * 1000).toISOString();
    const r = await updateObject(kube, 'Deployment', SYSTEM_NAMESPACE, name, epoch, (d) => ({
      ...d,
      metadata: { ...d.metadata, annotations: { ...d.metadata?.annotations, [WARM_FLOOR_ANNOTATION]: String(to), [WARM_FLOOR_UNTIL_ANNOTATION]: until } },
      spec: { ...d.spec, replicas: Math.max(d.spec?.replicas ?? 0, to) },
    }));
    return { ...r, from, to, until };
  },
};
