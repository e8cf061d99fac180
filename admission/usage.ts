// What a tenant holds and has used, in quota terms. Gauges come from workspace rows (a
// workspace holds CPU and memory while pending, starting or running, and its volume until
// archived); meters are summed from the metering tables (usage_events, less cancelled
// events) over each meter's current period, exactly rather than from the lagging rollups.
import type { Queryable } from '../db/pool.ts';
import { type Amounts, type MeterResource, type Quota, METER_RESOURCES, isMeter, parseQuota, periodStart } from '../tenancy/quotas.ts';
import { workspaceSize } from '../tenancy/workspace-sizes.ts';

/** States whose workspace holds a pod's CPU and memory (and counts as running for the quota). */
export const HOLDING_STATES = ['pending', 'starting', 'running'] as const;

export function addSize(a: Amounts, resourceFactor: number, sign: 1 | -1 = 1, withVolume = true): Amounts {
  const s = workspaceSize(resourceFactor);
  return {
    ...a,
    'count/workspaces': (a['count/workspaces'] ?? 0) + sign,
    'requests.cpu': (a['requests.cpu'] ?? 0) + sign * s.cpuCores,
    'requests.memory': (a['requests.memory'] ?? 0) + sign * s.memoryBytes,
    ...(withVolume ? { 'requests.storage': (a['requests.storage'] ?? 0) + sign * s.volumeBytes } : {}),
  };
}

/** A workspace about to start: what it asks of the quota (its volume only if it has none yet). */
export function startRequest(resourceFactor: number, newVolume: boolean): Amounts {
  return addSize({}, resourceFactor, 1, newVolume);
}

export async function gaugeUsage(db: Queryable, tenantIds: readonly string[]): Promise<Map<string, Amounts>> {
  const { rows } = await db.query(
    `SELECT tenant_id, state, resource_factor, count(*)::int AS n FROM workspaces
      WHERE tenant_id = ANY($1::uuid[]) AND state <> 'archived' GROUP BY 1, 2, 3`,
    [tenantIds],
  );
  const out = new Map<string, Amounts>(tenantIds.map((t) => [t, { 'count/workspaces': 0, 'requests.cpu': 0, 'requests.memory': 0, 'requests.storage': 0 }]));
  for (const r of rows) {
    let a = out.get(r.tenant_id)!;
    const s = workspaceSize(r.resource_factor);
    a = { ...a, 'requests.storage': a['requests.storage']! + r.n * s.volumeBytes };
    if ((HOLDING_STATES as readonly string[]).includes(r.state)) {
      a = {
        ...a,
        'count/workspaces': a['count/workspaces']! + r.n,
        'requests.cpu': a['requests.cpu']! + r.n * s.cpuCores,
        'requests.memory': a['requests.memory']! + r.n * s.memoryBytes,
      };
    }
    out.set(r.tenant_id, a);
  }
  return out;
}

export interface MeterQuery {
  tenantId: string;
  resource: MeterResource;
  from: Date;
}

/** Meter totals since each query's period start; meters without events are 0. */
export async function meterUsage(db: Queryable, queries: readonly MeterQuery[]): Promise<Map<string, Amounts>> {
  const out = new Map<string, Amounts>();
  for (const q of queries) out.set(q.tenantId, { ...out.get(q.tenantId), [q.resource]: 0 });
  if (queries.length === 0) return out;
  const { rows } = await db.query(
    `SELECT q.tenant_id, q.meter, coalesce(sum(e.quantity), 0)::float8 AS used
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS q (tenant_id, meter, since)
       LEFT JOIN counted_usage_events e ON e.tenant_id = q.tenant_id AND e.meter = q.meter AND e.time >= q.since
      GROUP BY 1, 2`,
    [queries.map((q) => q.tenantId), queries.map((q) => q.resource), queries.map((q) => q.from)],
  );
  for (const r of rows) out.set(r.tenant_id, { ...out.get(r.tenant_id), [r.meter]: Number(r.used) });
  return out;
}

/** The meter queries a quota needs: every meter with a soft or hard limit, over its period. */
export function meterQueries(tenantId: string, quota: Quota, resetDay: number, now: Date): MeterQuery[] {
  return METER_RESOURCES.filter((r) => quota.hard[r] !== undefined || quota.soft[r] !== undefined)
    .map((r) => ({ tenantId, resource: r, from: periodStart(now, quota.period[r], resetDay) }));
}

/** A tenant as the quota sees it. */
export interface QuotaTenant { id: string; quota: Quota; resetDay: number }

/** A tenants row (id, resource_quota, budget_reset_day) as the quota sees it. */
export function quotaTenantOf(r: { id: string; resource_quota: Record<string, unknown> | null; budget_reset_day: number }): QuotaTenant {
  return { id: r.id, quota: parseQuota(r.resource_quota), resetDay: r.budget_reset_day };
}

/** What each tenant uses now: its gauges, and its limited meters over their current periods. */
export async function usageOf(db: Queryable, tenants: readonly QuotaTenant[], now: Date): Promise<Map<string, Amounts>> {
  const [gauges, meters] = await Promise.all([
    gaugeUsage(db, tenants.map((t) => t.id)),
    meterUsage(db, tenants.flatMap((t) => meterQueries(t.id, t.quota, t.resetDay, now))),
  ]);
  return new Map(tenants.map((t) => [t.id, { ...gauges.get(t.id), ...meters.get(t.id) }]));
}

export interface QuotaStatus {
  quota: Quota;
  used: Amounts;
  /** hard limit minus use, never below 0; only resources with a hard limit */
  remaining: Amounts;
  periodStarts: Partial<Record<MeterResource, Date>>;
}

export function remainingOf(quota: Quota, used: Amounts): Amounts {
  const out: Amounts = {};
  for (const [r, hard] of Object.entries(quota.hard) as [keyof Amounts, number][]) out[r] = Math.max(0, hard - (used[r] ?? 0));
  return out;
}

/** A tenant's quota, use and what is left (for the API, the console and the autoscaler). */
export async function quotaStatus(db: Queryable, tenant: QuotaTenant, now = new Date()): Promise<QuotaStatus> {
  const queries = meterQueries(tenant.id, tenant.quota, tenant.resetDay, now);
  const used = (await usageOf(db, [tenant], now)).get(tenant.id)!;
  return {
    quota: tenant.quota,
    used,
    remaining: remainingOf(tenant.quota, used),
    periodStarts: Object.fromEntries(queries.map((q) => [q.resource, q.from])),
  };
}

export { isMeter };
