// GET /api/v1/tenants/:tenantId/quota: the tenant's quota as admission and the enforcer see it.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { QuotaReport, quotaReport } from '../../admission/quota-report.ts';
import { TenantParams, errors } from '../schemas.ts';

export default async function quota(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId/quota', {
    config: { auth: { permission: 'usage:read' } },
    schema: { tags: ['tenants'], summary: 'Quota limits, use, what is left and warnings sent', params: TenantParams, response: { 200: QuotaReport, ...errors(404) } },
  }, (req) => quotaReport(app.db, req.params.tenantId));
}
