// A tenant's quota as it stands: limits, use (per period for meters), what is left, and the
// warnings already sent. The same numbers admission and the enforcer use.
import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { QUOTA_RESOURCES, formatAmount, parseQuota, type Amounts, type QuotaResource } from '../tenancy/quotas.ts';
import { quotaStatus } from './usage.ts';

const DateTime = Type.String({ format: 'date-time' });
const Amount = Type.Object({ value: Type.Number(), text: Type.String({ description: 'as Kubernetes would print it' }) });
const Row = Type.Object({
  resource: Type.String(),
  used: Amount,
  soft: Type.Union([Amount, Type.Null()]),
  hard: Type.Union([Amount, Type.Null()]),
  remaining: Type.Union([Amount, Type.Null()]),
  period: Type.Union([Type.String(), Type.Null()]),
  periodStart: Type.Union([DateTime, Type.Null()]),
});
const Warning = Type.Object({ resource: Type.String(), threshold: Type.String(), periodStart: DateTime, used: Type.Number(), quota: Type.Number(), at: DateTime });
export const QuotaReport = Type.Object({ resources: Type.Array(Row), warnings: Type.Array(Warning) });
export type QuotaReport = Static<typeof QuotaReport>;

/** The newest warnings the quota enforcer sent the tenant. */
export async function quotaWarnings(db: Queryable, tenantId: string, limit = 100): Promise<QuotaReport['warnings']> {
  const { rows } = await db.query(
    `SELECT resource, threshold, period_start, used::float8, quota::float8, at FROM quota_warnings WHERE tenant_id = $1 ORDER BY at DESC LIMIT $2`,
    [tenantId, limit],
  );
  return rows.map((w) => ({ resource: w.resource, threshold: w.threshold, periodStart: w.period_start.toISOString(), used: w.used, quota: w.quota, at: w.at.toISOString() }));
}

export async function quotaReport(db: Queryable, tenantId: string, now = new Date()): Promise<QuotaReport> {
  const tenant = await getTenant(db, tenantId);
  const status = await quotaStatus(db, { id: tenant.id, quota: parseQuota(tenant.resourceQuota), resetDay: tenant.budgetResetDay }, now);
  const amount = (r: QuotaResource, a: Amounts) => (a[r] === undefined ? null : { value: a[r]!, text: formatAmount(r, a[r]!) });
  return {
    resources: QUOTA_RESOURCES.filter((r) => status.used[r] !== undefined || status.quota.hard[r] !== undefined || status.quota.soft[r] !== undefined).map((r) => ({
      resource: r,
      used: amount(r, { [r]: status.used[r] ?? 0 })!,
      soft: amount(r, status.quota.soft),
      hard: amount(r, status.quota.hard),
      remaining: amount(r, status.remaining),
      period: r in status.periodStarts ? status.quota.period[r as keyof typeof status.quota.period] : null,
      periodStart: status.periodStarts[r as keyof typeof status.periodStarts]?.toISOString() ?? null,
    })),
    warnings: await quotaWarnings(db, tenant.id),
  };
}
