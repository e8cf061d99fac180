// Autoscaling through the API: the reactive autoscaler's targets, the warm pool's forecast
// beside the actual starts and pool size (the Fleet page's chart), its knobs (ceilings,
// boosts), and rightsizing (platform-wide and per tenant, JSON or CSV export).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { TargetSpec } from '../../controllers/reactive/target.ts';
import { deleteTarget, listTargets, parseTargetSpec, putTarget, TargetSpecError } from '../../controllers/reactive/store.ts';
import { WarmPool, warmPoolView } from '../../controllers/autoscaler/warm-pool-view.ts';
import { raiseWarmPool, setWarmPoolCeiling, setWarmPoolPolicy, MAX_BOOST, MAX_BOOST_MINUTES } from '../../controllers/autoscaler/knobs.ts';
import { actorOf } from '../auth/principal.ts';
import { readRightsizingPolicy, setRightsizingPolicy } from '../../controllers/rightsizing/rightsizer.ts';
import { RightsizingReportSchema, rightsizingCsv, rightsizingReport } from '../rightsizing.ts';
import { JsonObject, TenantParams, errors } from '../schemas.ts';

const TargetParams = Type.Object({
  namespace: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
  name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 }),
});
const Target = Type.Object({ namespace: Type.String(), name: Type.String(), spec: TargetSpec });
const Format = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }, { additionalProperties: false });
const Hours = Type.Object({ hours: Type.Integer({ minimum: 1, maximum: 168, default: 24 }), ahead: Type.Integer({ minimum: 0, maximum: 48, default: 6 }) }, { additionalProperties: false });

const Ceiling = Type.Object({
  maxPerPool: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1000 }), Type.Null()])),
  costCeilingPerHour: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1e6 }), Type.Null()])),
}, { additionalProperties: false });
const Boost = Type.Object({
  region: Type.String({ minLength: 1, maxLength: 64 }),
  pool: Type.Optional(Type.Union([Type.Literal('on-demand'), Type.Literal('spot')])),
  extra: Type.Integer({ minimum: 1, maximum: MAX_BOOST }),
  forMinutes: Type.Integer({ minimum: 1, maximum: MAX_BOOST_MINUTES }),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false });

export default async function autoscalingRoutes(app: FastifyInstance) {
  app.get('/api/v1/autoscaling/targets', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['autoscaling'], summary: 'The Deployments the reactive autoscaler scales, with their HPA-shaped specs', response: { 200: Type.Object({ items: Type.Array(Target) }) } },
  }, async () => ({ items: await listTargets(app.db) }));

  app.put<{ Params: Static<typeof TargetParams>; Body: Static<typeof TargetSpec> }>('/api/v1/autoscaling/targets/:namespace/:name', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['autoscaling'], summary: 'List (or change) a Deployment for the reactive autoscaler: min/max, metrics (CPU/memory utilisation or PromQL), behavior, cooldowns', params: TargetParams, body: TargetSpec, response: { 200: Target, ...errors(400) } },
  }, async (req) => {
    try {
      const spec = parseTargetSpec(req.body);
      await putTarget(app.db, { ...req.params, spec }, actorOf(req.principal!));
      return { ...req.params, spec };
    } catch (err) {
      if (err instanceof TargetSpecError) throw Object.assign(err, { statusCode: 400 });
      throw err;
    }
  });

  app.delete<{ Params: Static<typeof TargetParams> }>('/api/v1/autoscaling/targets/:namespace/:name', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['autoscaling'], summary: 'Stop autoscaling a Deployment (its replicas stay as they are)', params: TargetParams, response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    if (!(await deleteTarget(app.db, req.params.namespace, req.params.name))) throw Object.assign(new Error(`${req.params.namespace}/${req.params.name} is not an autoscaling target`), { statusCode: 404 });
    return reply.code(204).send(null);
  });

  app.get<{ Querystring: Static<typeof Hours> }>('/api/v1/fleet/warm-pool', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['autoscaling'], summary: 'The warm pool per region and node pool: forecast beside actual starts per hour, and the placeholder replicas set', querystring: Hours, response: { 200: WarmPool } },
  }, async (req) => warmPoolView(app.db, new Date(), req.query.hours, req.query.ahead));

  app.put<{ Body: Static<typeof Ceiling> }>('/api/v1/autoscaling/warm-pool/ceiling', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['autoscaling'], summary: 'Cap the warm pool: placeholders per pool and/or USD per hour for all pools (null lifts a cap)', body: Ceiling, response: { 200: JsonObject, ...errors(400) } },
  }, async (req) => (await setWarmPoolCeiling(app.db, req.body, actorOf(req.principal!))) as Record<string, unknown>);

  const PoolPolicy = Type.Object({
    policy: Type.Optional(Type.Union([Type.Literal('reactive'), Type.Literal('predictive'), Type.Null()])),
    emptyProbability: Type.Optional(Type.Union([Type.Number({ minimum: 0.0001, maximum: 0.5 }), Type.Null()])),
  }, { additionalProperties: false });
  app.put<{ Body: Static<typeof PoolPolicy> }>('/api/v1/autoscaling/warm-pool/policy', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['autoscaling'], summary: 'Choose the warm pool\'s policy (reactive peak or predictive) and its P(a start finds the pool empty); null returns to the default', body: PoolPolicy, response: { 200: JsonObject, ...errors(400) } },
  }, async (req) => (await setWarmPoolPolicy(app.db, req.body, actorOf(req.principal!))) as Record<string, unknown>);

  app.post<{ Body: Static<typeof Boost> }>('/api/v1/autoscaling/warm-pool/boosts', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['autoscaling'], summary: 'Raise the warm pool of a region (and pool) by a number of placeholders for a while', body: Boost, response: { 201: JsonObject, ...errors(400) } },
  }, async (req, reply) => reply.code(201).send(await raiseWarmPool(app.db, req.body, actorOf(req.principal!))));

  const Policy = Type.Object({ apply: Type.Boolean({ description: 'let the rightsizer controller set the platform Deployments\' requests (never below what the pods use)' }) }, { additionalProperties: false });
  app.get('/api/v1/autoscaling/rightsizing/policy', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['autoscaling'], summary: 'Whether rightsizing recommendations are applied', response: { 200: Policy } },
  }, async () => readRightsizingPolicy(app.db));
  app.put<{ Body: Static<typeof Policy> }>('/api/v1/autoscaling/rightsizing/policy', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['autoscaling'], summary: 'Switch applying rightsizing on or off (each change the rightsizer makes is in the controllers\' audit log)', body: Policy, response: { 200: Policy, ...errors(400) } },
  }, async (req) => {
    await setRightsizingPolicy(app.db, req.body.apply, actorOf(req.principal!));
    return readRightsizingPolicy(app.db);
  });

  app.get<{ Querystring: Static<typeof Format> }>('/api/v1/fleet/rightsizing', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['autoscaling'], summary: 'VPA-style request recommendations per workspace and Deployment with their inputs, each tenant\'s resource factor, fleet utilisation against the 70–80 % CPU / 75–85 % memory bands, and the cost change; ?format=csv exports', querystring: Format, response: { 200: RightsizingReportSchema } },
  }, async (req, reply) => {
    const report = await rightsizingReport(app.db);
    if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="rightsizing.csv"').send(rightsizingCsv(report));
    return report;
  });

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof Format> }>('/api/v1/tenants/:tenantId/rightsizing', {
    config: { auth: { permission: 'usage:read' } },
    schema: { tags: ['autoscaling'], summary: 'Rightsizing for one tenant\'s workspaces: recommendations with inputs and the resource factor they should get', params: TenantParams, querystring: Format },
  }, async (req, reply) => {
    const report = await rightsizingReport(app.db, new Date(), req.params.tenantId);
    if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(rightsizingCsv(report));
    return report;
  });
}
