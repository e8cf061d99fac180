// The routing object: a ConfigMap the DNS controller or gateway follows (external-dns, a
// k8gb-style GSLB or an ingress controller reads `activeRegion`). Written fenced by the
// lease epoch and guarded by resourceVersion, as every controller write is.
import type { Kube } from '../../kube/client.ts';
import { createObject, readObject, updateObject, type KObject } from '../../kube/objects.ts';
import { COMPONENT_LABEL, MANAGED_BY, MANAGER } from '../../kube/labels.ts';

export const ROUTING_NAMESPACE = 'pilothouse-system';
export const ROUTING_CONFIGMAP = 'pilothouse-routing';
export const ACTIVE_REGION_KEY = 'activeRegion';

export async function readRouting(kube: Kube, namespace = ROUTING_NAMESPACE): Promise<string | null> {
  const cm = await readObject(kube, 'ConfigMap', namespace, ROUTING_CONFIGMAP);
  return (cm as { data?: Record<string, string> } | null)?.data?.[ACTIVE_REGION_KEY] ?? null;
}

export interface RouteChange {
  to: string;
  from: string | null;
  reason: string;
  at: Date;
}

function data(c: RouteChange): Record<string, string> {
  return { [ACTIVE_REGION_KEY]: c.to, previousRegion: c.from ?? '', switchedAt: c.at.toISOString(), reason: c.reason.slice(0, 500) };
}

/** Points the routing ConfigMap at `to` (creating it and its namespace when missing). */
export async function switchRouting(kube: Kube, epoch: number, c: RouteChange, namespace = ROUTING_NAMESPACE): Promise<{ changed: boolean; resourceVersion?: string }> {
  const existing = await readObject(kube, 'ConfigMap', namespace, ROUTING_CONFIGMAP);
  if (!existing) {
    await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [MANAGED_BY]: MANAGER } } }, epoch);
    const body: KObject & { data: Record<string, string> } = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: ROUTING_CONFIGMAP, namespace, labels: { [MANAGED_BY]: MANAGER, [COMPONENT_LABEL]: 'routing' } },
      data: data(c),
    };
    const r = await createObject(kube, 'ConfigMap', body, epoch);
    if (r.changed) return r;
  }
  return updateObject(kube, 'ConfigMap', namespace, ROUTING_CONFIGMAP, epoch, (cur) => {
    const cm = cur as KObject & { data?: Record<string, string> };
    if (cm.data?.[ACTIVE_REGION_KEY] === c.to) return null;
    return { ...cm, data: { ...cm.data, ...data(c) } } as KObject;
  });
}
