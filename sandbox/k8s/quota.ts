// ResourceQuota usage and admission, as the API server's quota admission plugin computes
// them: usage of the namespace's live objects, checked before a pod or claim is created.
import type { StoredObject, KObject } from './types.ts';
import { formatBytes, formatCpu, parseQuantity } from './quantity.ts';

const TERMINAL = new Set(['Succeeded', 'Failed']);

function podResource(pod: KObject, kind: 'requests' | 'limits', res: string): number {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const q = c.resources?.[kind]?.[res];
    if (q !== undefined) sum += parseQuantity(q);
  }
  return sum;
}

/** What one object adds to each quota resource name. */
export function usageOf(resource: string, obj: KObject): Record<string, number> {
  if (resource === 'pods') {
    if (TERMINAL.has(obj.status?.phase) || obj.metadata.deletionTimestamp) return {};
    const cpu = podResource(obj, 'requests', 'cpu');
    const mem = podResource(obj, 'requests', 'memory');
    return {
      pods: 1, 'count/pods': 1,
      cpu, 'requests.cpu': cpu, memory: mem, 'requests.memory': mem,
      'limits.cpu': podResource(obj, 'limits', 'cpu'), 'limits.memory': podResource(obj, 'limits', 'memory'),
      'requests.ephemeral-storage': podResource(obj, 'requests', 'ephemeral-storage'),
    };
  }
  if (resource === 'persistentvolumeclaims') {
    const storage = parseQuantity(obj.spec?.resources?.requests?.storage ?? 0);
    return { persistentvolumeclaims: 1, 'count/persistentvolumeclaims': 1, 'requests.storage': storage };
  }
  if (resource === 'services') return { services: 1, 'count/services': 1 };
  if (resource === 'configmaps') return { configmaps: 1, 'count/configmaps': 1 };
  if (resource === 'apps/deployments') return { 'count/deployments.apps': 1 };
  return {};
}

const isMemoryLike = (name: string) => /memory|storage/.test(name);
export const formatAmount = (name: string, v: number) =>
  (isMemoryLike(name) ? formatBytes(v) : /cpu/.test(name) ? formatCpu(v) : String(Math.round(v)));

/** Sum of usage over objects, limited to the names in `hard`. */
export function namespaceUsage(hard: Record<string, string>, objects: Array<{ resource: string; obj: KObject }>): Record<string, number> {
  const used: Record<string, number> = Object.fromEntries(Object.keys(hard).map((k) => [k, 0]));
  for (const { resource, obj } of objects) {
    for (const [k, v] of Object.entries(usageOf(resource, obj))) if (k in used) used[k]! += v;
  }
  return used;
}

export function statusFor(quota: StoredObject, used: Record<string, number>): { hard: Record<string, string>; used: Record<string, string> } {
  const hard: Record<string, string> = { ...(quota.spec?.hard ?? {}) };
  return { hard, used: Object.fromEntries(Object.keys(hard).map((k) => [k, formatAmount(k, used[k] ?? 0)])) };
}

/**
 * Why creating `obj` would break `quota`, in the admission plugin's words, or undefined.
 * `exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2`
 */
export function quotaViolation(quota: StoredObject, used: Record<string, number>, resource: string, obj: KObject): string | undefined {
  const hard: Record<string, string> = quota.spec?.hard ?? {};
  const adds = usageOf(resource, obj);
  if (resource === 'pods') {
    const missing = Object.keys(hard).filter((k) => /^(requests|limits)\.(cpu|memory)$/.test(k) || k === 'cpu' || k === 'memory')
      .filter((k) => {
        const [kind, res] = k.includes('.') ? k.split('.') as ['requests' | 'limits', string] : ['requests' as const, k];
        return (obj.spec?.containers ?? []).some((c: any) => c.resources?.[kind]?.[res] === undefined);
      });
    if (missing.length) return `failed quota: ${quota.metadata.name}: must specify ${missing.sort().join(',')}`;
  }
  const over = Object.keys(adds).filter((k) => k in hard && adds[k]! > 0 && (used[k] ?? 0) + adds[k]! > parseQuantity(hard[k]!)).sort();
  if (!over.length) return undefined;
  const list = (f: (k: string) => string) => over.map((k) => `${k}=${f(k)}`).join(',');
  return `exceeded quota: ${quota.metadata.name}, requested: ${list((k) => formatAmount(k, adds[k]!))}, used: ${list((k) => formatAmount(k, used[k] ?? 0))}, limited: ${list((k) => hard[k]!)}`;
}
