// Fleet cost allocation: the platform view (every tenant's line, system, idle, over-commit)
// and a tenant's own line, never idle or another tenant's.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { fleetCosts } from '../../collectors/cost/fleet-costs.ts';
import { DateTime, TenantParams, Uuid, errors, literals } from '../schemas.ts';

const MAX_DAYS = 93;
const Window = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'default: 24 hours before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
}, { additionalProperties: false });
const Money = Type.String({ description: 'USD, decimal' });
const Line = {
  line: literals(['tenant', 'system', 'idle', 'overcommit'] as const, 'a tenant\'s share, platform/system namespaces, unallocated node cost, or cost charged beyond node capacity'),
  tenantId: Type.Union([Uuid, Type.Null()]),
  cpu: Money, memory: Money, total: Money,
};
const Costs = Type.Object({
  from: DateTime, to: DateTime, currency: Type.Literal('USD'),
  hours: Type.Array(Type.Object({ hour: DateTime, minutes: Type.Integer({ minimum: 1, maximum: 60, description: 'minutes of the hour that were sampled: the hour\'s rate is total × 60 ÷ minutes' }), ...Line })),
  totals: Type.Array(Type.Object(Line)),
  total: Money,
});

function window(q: Static<typeof Window>) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3600_000);
  if (from >= to) throw Object.assign(new Error('`from` must be before `to`'), { statusCode: 400 });
  if (to.getTime() - from.getTime() > MAX_DAYS * 24 * 3600_000) throw Object.assign(new Error(`the window from \`from\` to \`to\` may span at most ${MAX_DAYS} days`), { statusCode: 400 });
  return { from, to };
}

export default async function fleetCostRoutes(app: FastifyInstance) {
  app.get<{ Querystring: Static<typeof Window> }>('/api/v1/fleet/costs', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['cost'], summary: 'Fleet cost allocated per hour: each tenant, system, idle and over-commit', querystring: Window, response: { 200: Costs, ...errors(400) } },
  }, async (req) => {
    const { from, to } = window(req.query);
    return { from: from.toISOString(), to: to.toISOString(), currency: 'USD' as const, ...(await fleetCosts(app.db, { from, to })) };
  });

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof Window> }>('/api/v1/tenants/:tenantId/fleet-costs', {
    config: { auth: { permission: 'usage:read' } },
    schema: { tags: ['cost'], summary: 'A tenant\'s share of the fleet cost per hour (max(request, usage) × hours × rate)', params: TenantParams, querystring: Window, response: { 200: Costs, ...errors(400) } },
  }, async (req) => {
    const { from, to } = window(req.query);
    return { from: from.toISOString(), to: to.toISOString(), currency: 'USD' as const, ...(await fleetCosts(app.db, { from, to, tenantId: req.params.tenantId })) };
  });
}
