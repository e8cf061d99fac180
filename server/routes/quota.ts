// A tenant's quota as it stands: limits, use (per period for meters), what is left, and the
// warnings already sent. The same numbers admission and the enforcer use.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { quotaStatus } from '../../admission/usage.ts';
import { getTenant } from '../../tenancy/tenants.ts';
import { QUOTA_RESOURCES, formatAmount, parseQuota, type Amounts, type QuotaResource } from '../../tenancy/quotas.ts';
import { DateTime, TenantParams, errors } from '../schemas.ts';

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
const Status = Type.Object({ resources: Type.Array(Row), warnings: Type.Array(Warning) });

export default async function quota(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId/quota', {
    config: { auth: { permission: 'usage:read' } },
    schema: { tags: ['tenants'], summary: 'Quota limits, use, what is left and warnings sent', params: TenantParams, response: { 200: Status, ...errors(404) } },
  }, async (req) => {
    const tenant = await getTenant(app.db, req.params.tenantId);
    const status = await quotaStatus(app.db, { id: tenant.id, quota: parseQuota(tenant.resourceQuota), resetDay: tenant.budgetResetDay });
    const amount = (r: QuotaResource, a: Amounts) => (a[r] === undefined ? null : { value: a[r]!, text: formatAmount(r, a[r]!) });
    const { rows } = await app.db.query(
      `SELECT resource, threshold, period_start, used::float8, quota::float8, at FROM quota_warnings WHERE tenant_id = $1 ORDER BY at DESC LIMIT 100`,
      [tenant.id],
    );
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
      warnings: rows.map((w) => ({ resource: w.resource, threshold: w.threshold, periodStart: w.period_start.toISOString(), used: w.used, quota: w.quota, at: w.at.toISOString() })),
    };
  });
}
