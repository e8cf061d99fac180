// Usage reads: the query API (a tenant's own, or several tenants for platform roles) and
// the monthly tenant report as JSON or CSV.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { queryUsage, STEPS } from '../../collectors/usage/query.ts';
import { assertStarted, reportCsv, reportFileName, UsageReport, usageReport } from '../../collectors/usage/report.ts';
import { tenantCosts } from '../../collectors/usage/tenant-costs.ts';
import { getTenant } from '../../tenancy/tenants.ts';
import { workspaceNames } from '../../tenancy/workspaces.ts';
import { AGGREGATIONS } from '../../collectors/usage/meters.ts';
import { DateTime, TenantParams, Uuid, errors, literals } from '../schemas.ts';

const Name = Type.String({ pattern: '^[a-z][a-z0-9_.]*$', maxLength: 100 });
const QueryFields = {
  meter: Type.Optional(Type.Array(Name, { maxItems: 20, description: 'repeat for several meters; default: all' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'default: 7 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
  step: literals(STEPS, 'bucket size'),
  groupBy: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 50 }), { maxItems: 5, description: 'dimension names, or workspace' })),
  tz: Type.String({ default: 'UTC', maxLength: 64, description: 'IANA time zone that day and month buckets follow' }),
};
const TenantQuery = Type.Object({ ...QueryFields, step: Type.Optional(literals(STEPS)) }, { additionalProperties: false });
const PlatformQuery = Type.Object({
  ...QueryFields, step: Type.Optional(literals(STEPS)),
  tenantId: Type.Optional(Type.Array(Uuid, { maxItems: 20, description: 'repeat to compare tenants; default: all (group by tenant to tell them apart)' })),
}, { additionalProperties: false });

const Series = Type.Object({
  meter: Type.String(),
  unit: Type.String(),
  aggregation: literals(AGGREGATIONS),
  group: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
  points: Type.Array(Type.Object({ t: DateTime, value: Type.Number() })),
  total: Type.Number(),
});
const UsageResponse = Type.Object({ from: DateTime, to: DateTime, step: literals(STEPS), tz: Type.String(), series: Type.Array(Series) });

const Money = Type.String({ description: 'USD, decimal' });
const PeriodField = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (UTC month, not in the future); default: this month' });
const TenantCostsResponse = Type.Object({
  period: Type.String(),
  through: DateTime,
  items: Type.Array(Type.Object({
    tenantId: Uuid, name: Type.String(), cost: Money, previousCost: Type.String({ description: 'USD of the previous month over the same elapsed time' }),
    changePct: Type.Union([Type.Number(), Type.Null()]), unpriced: Type.Array(Type.String()),
    workspaces: Type.Object({ running: Type.Integer(), total: Type.Integer({ description: 'not archived' }) }),
  }), { description: 'most expensive first' }),
});
const ReportQuery = Type.Object({
  period: Type.Optional(PeriodField),
  format: Type.Optional(literals(['json', 'csv'] as const)),
}, { additionalProperties: false });

function window(q: { from?: string; to?: string }) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * 3600_000);
  return { from, to };
}

export default async function usage(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof TenantQuery> }>('/api/v1/tenants/:tenantId/usage', {
    config: { auth: { permission: 'usage:read' } },
    schema: { tags: ['usage'], summary: 'A tenant\'s usage over a window, bucketed and grouped', params: TenantParams, querystring: TenantQuery, response: { 200: UsageResponse, ...errors(400) } },
  }, async (req) => {
    if (req.query.groupBy?.includes('tenant')) throw Object.assign(new Error('groupBy tenant is for the platform usage API (/api/v1/usage)'), { statusCode: 400 });
    const { from, to } = window(req.query);
    const step = req.query.step ?? 'hour';
    const r = await queryUsage(app.db, { tenantIds: [req.params.tenantId], meters: req.query.meter, from, to, step, groupBy: req.query.groupBy, tz: req.query.tz });
    return { from: from.toISOString(), to: to.toISOString(), step, tz: req.query.tz, ...r };
  });

  app.get<{ Querystring: Static<typeof PlatformQuery> }>('/api/v1/usage', {
    config: { auth: { permission: 'usage:read' } },
    schema: { tags: ['usage'], summary: 'Usage of several tenants, to compare them (platform roles)', querystring: PlatformQuery, response: { 200: UsageResponse, ...errors(400) } },
  }, async (req) => {
    const { from, to } = window(req.query);
    const step = req.query.step ?? 'hour';
    const r = await queryUsage(app.db, { tenantIds: req.query.tenantId, meters: req.query.meter, from, to, step, groupBy: req.query.groupBy, tz: req.query.tz });
    return { from: from.toISOString(), to: to.toISOString(), step, tz: req.query.tz, ...r };
  });

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof ReportQuery> }>('/api/v1/tenants/:tenantId/usage/report', {
    config: { auth: { permission: 'usage:read' } },
    schema: {
      tags: ['usage'], summary: 'A tenant\'s usage and cost for a month, per meter, model and workspace, against the previous month',
      description: 'format=csv (or Accept: text/csv) gives one line per meter, workspace and dimensions. A closed month is served from its immutable snapshot.',
      params: TenantParams, querystring: ReportQuery, response: { 200: UsageReport, ...errors(400) },
    },
  }, async (req, reply) => {
    const period = req.query.period ?? new Date().toISOString().slice(0, 7);
    const report = await usageReport(app.db, req.params.tenantId, period);
    const csv = req.query.format === 'csv' || (req.query.format === undefined && /text\/csv/.test(req.headers.accept ?? ''));
    if (csv) {
      const tenant = await getTenant(app.db, req.params.tenantId);
      const ids = [...new Set(report.lines.map((l) => l.workspaceId).filter((w): w is string => w !== null))];
      const body = reportCsv(report, { tenant: tenant.name, workspaces: await workspaceNames(app.db, tenant.id, ids) });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${reportFileName(tenant.name, period)}"`).serializer((x: string) => x).send(body);
    }
    return report;
  });

  app.get<{ Querystring: { period?: string } }>('/api/v1/usage/costs', {
    config: { auth: { permission: 'usage:read' } },
    schema: {
      tags: ['usage'], summary: 'Every tenant\'s cost for a month so far, most expensive first, against the previous month over the same days (platform roles)',
      querystring: Type.Object({ period: Type.Optional(PeriodField) }, { additionalProperties: false }),
      response: { 200: TenantCostsResponse, ...errors(400) },
    },
  }, async (req) => {
    const period = req.query.period ?? new Date().toISOString().slice(0, 7);
    assertStarted(period);
    return tenantCosts(app.db, period);
  });
}
