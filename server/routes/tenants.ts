import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant, PLANS } from '../../tenancy/tenants.ts';
import { hasPermission, visibleTenants } from '../auth/principal.ts';
import { Tenant, TenantName, TenantParams, errors, literals } from '../schemas.ts';
import { TenantConfig } from '../../tenancy/tenant-config.ts';
import { ResourceQuotaSpec, quotaProblems } from '../../tenancy/quotas.ts';
import { InvalidError } from '../../tenancy/errors.ts';

// Soft limits above hard ones pass the schema but make no sense: say which.
const checkQuota = (body: { resourceQuota?: Static<typeof ResourceQuotaSpec> }) => {
  const problems = body.resourceQuota ? quotaProblems(body.resourceQuota) : [];
  if (problems.length) throw new InvalidError(`resourceQuota: ${problems.join('; ')}`);
};

const Budget = {
  budgetMonthlyUsd: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1e10 }), Type.Null()])),
  budgetResetDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 28 })),
};
const Quota = {
  plan: Type.Optional(literals(PLANS)),
  resourceQuota: Type.Optional(ResourceQuotaSpec),
};
const CreateBody = Type.Object({ name: TenantName, config: Type.Optional(TenantConfig), ...Budget, ...Quota }, { additionalProperties: false });
const PatchBody = Type.Object({ name: Type.Optional(TenantName), config: Type.Optional(TenantConfig), ...Budget }, { additionalProperties: false });
const QuotaBody = Type.Object(Quota, { additionalProperties: false, minProperties: 1 });

export default async function tenants(app: FastifyInstance) {
  app.get('/api/v1/tenants', {
    config: { auth: { authenticated: true } },
    schema: { tags: ['tenants'], summary: 'Tenants visible to the caller', response: { 200: Type.Array(Tenant) } },
  }, async (req) => listTenants(app.db, visibleTenants(req.principal!)));

  app.post<{ Body: Static<typeof CreateBody> }>('/api/v1/tenants', {
    config: { auth: { permission: 'tenants:create' } },
    schema: { tags: ['tenants'], summary: 'Create a tenant', body: CreateBody, response: { 201: Tenant, ...errors(400, 409) } },
  }, async (req, reply) => {
    checkQuota(req.body);
    return reply.code(201).send(await createTenant(app.db, req.body));
  });

  app.get<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId', {
    config: { auth: { permission: 'tenant:read' } },
    schema: { tags: ['tenants'], params: TenantParams, response: { 200: Tenant, ...errors(404) } },
  }, async (req) => getTenant(app.db, req.params.tenantId));

  app.patch<{ Params: Static<typeof TenantParams>; Body: Static<typeof PatchBody> }>('/api/v1/tenants/:tenantId', {
    config: { auth: { permission: 'tenant:update' } },
    schema: { tags: ['tenants'], summary: 'Rename, configure, set the budget', params: TenantParams, body: PatchBody, response: { 200: Tenant, ...errors(400, 404, 409) } },
  }, async (req) => {
    // Only a caller who sees every tenant is told that a name is taken; to anyone else that
    // answer would say another tenant exists.
    const uniqueName = hasPermission(req.principal!, 'tenants:list');
    return updateTenant(app.db, req.params.tenantId, req.body, { uniqueName });
  });

  app.put<{ Params: Static<typeof TenantParams>; Body: Static<typeof QuotaBody> }>('/api/v1/tenants/:tenantId/quota', {
    config: { auth: { permission: 'quota:write' } },
    schema: { tags: ['tenants'], summary: 'Set the plan and resource quota (platform admins)', params: TenantParams, body: QuotaBody, response: { 200: Tenant, ...errors(400, 404) } },
  }, async (req) => {
    checkQuota(req.body);
    return updateTenant(app.db, req.params.tenantId, req.body, { uniqueName: true });
  });

  app.delete<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId', {
    config: { auth: { permission: 'tenant:delete' } },
    schema: { tags: ['tenants'], params: TenantParams, response: { 204: Type.Null(), ...errors(404, 409) } },
  }, async (req, reply) => {
    await deleteTenant(app.db, req.params.tenantId);
    return reply.code(204).send();
  });
}
