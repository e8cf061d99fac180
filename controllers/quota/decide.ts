// Quota enforcement, decided per tenant: warn once at 80 % and 100 % of each soft and hard
// limit (per resource, period and threshold); past a hard limit pause running workspaces,
// newest first, until the gauges fit again (a meter past its limit cannot shrink, so every
// running workspace is paused); keep the namespace's ResourceQuota equal to the quota.
// Storage past its limit is only warned about: pausing keeps volumes, and archiving would
// delete a tenant's data, which no automatic loop should do.
import {
  type Amounts, type GaugeResource, type Quota, type QuotaResource, GAUGE_RESOURCES, QUOTA_NAME, formatAmount, isMeter,
  thresholdsReached,
} from '../../tenancy/quotas.ts';
import { parseQuantity } from '../../kube/quantity.ts';
import type { Decision } from '../runtime/types.ts';
import { addSize } from '../../admission/usage.ts';

/** Kubernetes ResourceQuota keys for the gauges (a paused workspace has no pod). */
export const K8S_QUOTA_KEYS: Partial<Record<GaugeResource, string>> = {
  'count/workspaces': 'pods',
  'requests.cpu': 'requests.cpu',
  'requests.memory': 'requests.memory',
  'requests.storage': 'requests.storage',
};
/** Gauges that pausing a workspace brings down. */
const PAUSE_RELIEVES: readonly QuotaResource[] = ['count/workspaces', 'requests.cpu', 'requests.memory'];
const EPSILON = 1e-9;

export interface RunningWorkspace {
  id: string;
  state: 'pending' | 'starting' | 'running';
  version: number;
  resourceFactor: number;
  /** when its current run was asked for: newest is paused first */
  since: Date;
}

export interface TenantQuotaView {
  tenantId: string;
  quota: Quota;
  used: Amounts;
  /** ISO start of the period each resource is counted over (gauges: the day, for warnings) */
  periods: Partial<Record<QuotaResource, string>>;
  /** `${resource}|${periodStartIso}|${threshold}` already warned */
  warned: ReadonlySet<string>;
  running: RunningWorkspace[];
  /** the namespace's ResourceQuota `spec.hard`; null when absent; undefined when not observed (no cluster or no namespace) */
  resourceQuota?: Record<string, string> | null;
}

export interface QuotaObservation {
  now: Date;
  tenants: TenantQuotaView[];
}

export type QuotaAction =
  | { type: 'warn'; tenantId: string; resource: QuotaResource; periodStart: string; threshold: string; used: number; quota: number }
  | { type: 'pause'; tenantId: string; workspaceId: string; expectedVersion: number; reason: string }
  | { type: 'sync-resource-quota'; tenantId: string; namespace: string; hard: Record<string, string> | null };

export const warnKey = (resource: string, periodStart: string, threshold: string) => `${resource}|${periodStart}|${threshold}`;

/** The ResourceQuota `spec.hard` a tenant's quota asks for; null when it limits no gauge. */
export function desiredResourceQuota(quota: Quota): Record<string, string> | null {
  const hard: Record<string, string> = {};
  for (const r of GAUGE_RESOURCES) {
    const v = quota.hard[r];
    const key = K8S_QUOTA_KEYS[r];
    if (v !== undefined && key) hard[key] = formatAmount(r, v);
  }
  return Object.keys(hard).length ? hard : null;
}

function sameHard(a: Record<string, string> | null, b: Record<string, string> | null): boolean {
  if (!a || !b) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k] === undefined ? undefined : parseQuantity(a[k]);
    const y = b[k] === undefined ? undefined : parseQuantity(b[k]);
    if (x === undefined || y === undefined || Math.abs(x - y) > EPSILON) return false;
  }
  return true;
}

function overHard(quota: Quota, used: Amounts): QuotaResource[] {
  return (Object.entries(quota.hard) as [QuotaResource, number][])
    .filter(([r, hard]) => (used[r] ?? 0) > hard + EPSILON)
    .map(([r]) => r);
}

export function decideQuota(o: QuotaObservation): Decision<QuotaAction>[] {
  const out: Decision<QuotaAction>[] = [];
  for (const t of o.tenants) {
    const target = { kind: 'Tenant', name: t.tenantId, tenantId: t.tenantId };
    const usedView = Object.fromEntries(Object.entries(t.used).map(([r, v]) => [r, formatAmount(r as QuotaResource, v)]));

    for (const c of thresholdsReached(t.quota, t.used)) {
      const period = t.periods[c.resource] ?? '';
      if (t.warned.has(warnKey(c.resource, period, c.threshold))) continue;
      const [level, pct] = c.threshold.split(':');
      out.push({
        target,
        action: { type: 'warn', tenantId: t.tenantId, resource: c.resource, periodStart: period, threshold: c.threshold, used: c.used, quota: c.limit },
        decision: `warn ${c.resource} ${c.threshold}`,
        reason: `${c.resource} at ${formatAmount(c.resource, c.used)} has reached ${pct} % of its ${level} limit ${formatAmount(c.resource, c.limit)}${isMeter(c.resource) ? ` for the period from ${period}` : ''}`,
        inputs: { used: usedView, limit: formatAmount(c.resource, c.limit), period },
      });
    }

    const over = overHard(t.quota, t.used);
    const meterOver = over.filter(isMeter);
    const gaugeOver = over.filter((r) => PAUSE_RELIEVES.includes(r));
    if (meterOver.length || gaugeOver.length) {
      const newestFirst = [...t.running].sort((a, b) => b.since.getTime() - a.since.getTime() || (a.id < b.id ? 1 : -1));
      let used = t.used;
      for (const [i, w] of newestFirst.entries()) {
        const stillOver = [...meterOver, ...gaugeOver.filter((r) => (used[r] ?? 0) > (t.quota.hard[r] ?? Infinity) + EPSILON)];
        if (stillOver.length === 0) break;
        const why = stillOver.map((r) => `${r} ${formatAmount(r, used[r] ?? 0)} > hard ${formatAmount(r, t.quota.hard[r]!)}`).join(', ');
        out.push({
          target: { kind: 'Workspace', name: w.id, tenantId: t.tenantId },
          action: { type: 'pause', tenantId: t.tenantId, workspaceId: w.id, expectedVersion: w.version, reason: `quota exceeded: ${why}; pausing newest first (${i + 1} of ${newestFirst.length} running)` },
          decision: 'pause: quota exceeded',
          reason: `over the hard quota (${why}); this is the newest running workspace left (${i + 1} of ${newestFirst.length}, since ${w.since.toISOString()})`,
          inputs: { used: usedView, hard: Object.fromEntries(stillOver.map((r) => [r, formatAmount(r, t.quota.hard[r]!)])), order: newestFirst.map((x) => x.id) },
        });
        used = addSize(used, w.resourceFactor, -1, false);
      }
    }

    if (t.resourceQuota !== undefined) {
      const want = desiredResourceQuota(t.quota);
      if (!sameHard(want, t.resourceQuota)) {
        const namespace = `tenant-${t.tenantId}`;
        out.push({
          target: { kind: 'ResourceQuota', name: `${namespace}/${QUOTA_NAME}`, tenantId: t.tenantId },
          action: { type: 'sync-resource-quota', tenantId: t.tenantId, namespace, hard: want },
          decision: want ? (t.resourceQuota ? `update ResourceQuota ${QUOTA_NAME}` : `create ResourceQuota ${QUOTA_NAME}`) : `delete ResourceQuota ${QUOTA_NAME}`,
          reason: want ? 'the namespace quota differs from the tenant\'s hard limits' : 'the tenant has no hard limit on workspaces, CPU, memory or storage',
          inputs: { observed: t.resourceQuota, wanted: want },
        });
      }
    }
  }
  return out;
}
