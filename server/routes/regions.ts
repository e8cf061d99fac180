// Regions through the API: each region's priority, role and health with its recent checks,
// the failover history with measured RTO, and a person's failover (sre or admin, with a
// reason), which the region-failover controller carries out under the lease within a second
// or so: the answer is 202 with the request, and GET shows it done.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { healthOf, streak } from '../../controllers/failover/health.ts';
import { DEFAULT_FAILOVER } from '../../controllers/failover/decide.ts';
import { addRequest, listFailovers, listRegions, openRequests, recentChecks, recentRequests, upsertRegion } from '../../controllers/failover/store.ts';
import { ConflictError, NotFoundError } from '../../tenancy/errors.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, Nullable, errors } from '../schemas.ts';
const Health = Type.Union([Type.Literal('healthy'), Type.Literal('failing'), Type.Literal('failed'), Type.Literal('unknown')], {
  description: 'healthy: the last check passed; failing: it failed, fewer than N in a row; failed: N or more in a row; unknown: never checked',
});

const Check = Type.Object({
  at: DateTime, ok: Type.Boolean(), probeOk: Type.Boolean(), httpStatus: Nullable(Type.Integer()), latencyMs: Nullable(Type.Integer()),
  burnRate: Nullable(Type.Number({ description: 'the fastest short-window burn rate of the region\'s SLOs' })), error: Nullable(Type.String()),
});
const Region = Type.Object({
  name: Type.String(),
  priority: Type.Integer({ description: '1 is the first choice' }),
  role: Type.Union([Type.Literal('active'), Type.Literal('standby')]),
  autoFailback: Type.Boolean(),
  probeUrl: Type.String(),
  slos: Type.Array(Type.String()),
  health: Type.Object({ state: Health, consecutive: Type.Integer({ description: 'length of the run of equal results at the newest end' }), lastCheck: Nullable(Check) }),
  checks: Type.Array(Check, { description: 'newest first' }),
});
const Failover = Type.Object({
  id: Type.Integer(), fromRegion: Nullable(Type.String()), toRegion: Type.String(),
  kind: Type.Union([Type.Literal('automatic'), Type.Literal('manual'), Type.Literal('failback')]),
  reason: Type.String(), actor: Type.String(), firstFailedAt: Nullable(DateTime), switchedAt: DateTime,
  rtoMs: Nullable(Type.Integer({ description: 'first failed check → routing switched; null for a planned switch' })),
  steps: Type.Array(Type.Unknown()),
});
const Request = Type.Object({
  id: Type.Integer(), toRegion: Type.String(), reason: Type.String(), actor: Type.String(), requestedAt: DateTime,
  doneAt: Nullable(DateTime), failoverId: Nullable(Type.Integer()), error: Nullable(Type.String()),
});
const Regions = Type.Object({
  settings: Type.Object({ intervalSeconds: Type.Number(), retryIntervalSeconds: Type.Number(), failuresToFailover: Type.Integer(), successesToFailback: Type.Integer(), holdDownSeconds: Type.Number() }),
  regions: Type.Array(Region),
  failovers: Type.Array(Failover, { description: 'newest first' }),
  requests: Type.Array(Request, { description: 'the latest people\'s requests, newest first' }),
});
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });
const FailoverBody = Type.Object({
  reason: Type.String({ minLength: 3, maxLength: 500, pattern: '\\S', description: 'why, for the failover history' }),
}, { additionalProperties: false });

const RegionBody = Type.Object({
  priority: Type.Integer({ minimum: 1, maximum: 1000, description: '1 is the first choice' }),
  probeUrl: Type.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$', description: 'the region\'s health endpoint: 2xx within 5 s is a pass' }),
  autoFailback: Type.Boolean({ default: false, description: 'take traffic back automatically once healthy again (after the hold-down)' }),
  slos: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20, default: [], description: 'SLOs whose burn rate counts toward the region\'s health' }),
}, { additionalProperties: false });
const RegionNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' }) });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export default async function regions(app: FastifyInstance) {
  async function overview(): Promise<Static<typeof Regions>> {
    const [list, checks, failovers, requests] = await Promise.all([
      listRegions(app.db), recentChecks(app.db, 30), listFailovers(app.db, 50),
      recentRequests(app.db),
    ]);
    const s = DEFAULT_FAILOVER;
    return {
      settings: { intervalSeconds: s.intervalMs / 1000, retryIntervalSeconds: s.retryIntervalMs / 1000, failuresToFailover: s.failuresToFailover, successesToFailback: s.successesToFailback, holdDownSeconds: s.holdDownMs / 1000 },
      regions: list.map((r) => {
        const cs = checks.get(r.name) ?? [];
        const view = cs.map((c) => ({ at: new Date(c.at).toISOString(), ok: c.ok, probeOk: c.probeOk, httpStatus: c.httpStatus, latencyMs: c.latencyMs, burnRate: c.burnRate, error: c.error }));
        return {
          name: r.name, priority: r.priority, role: r.active ? 'active' as const : 'standby' as const, autoFailback: r.autoFailback, probeUrl: r.probeUrl, slos: r.slos,
          health: { state: healthOf(cs, s), consecutive: streak(cs).length, lastCheck: view[0] ?? null },
          checks: view,
        };
      }),
      failovers: failovers.map((f) => ({ ...f, firstFailedAt: iso(f.firstFailedAt), switchedAt: f.switchedAt.toISOString() })),
      requests: requests.map((q) => ({ ...q, requestedAt: q.requestedAt.toISOString(), doneAt: iso(q.doneAt) })),
    };
  }

  app.get('/api/v1/regions', {
    config: { auth: { permission: 'regions:read' } },
    schema: { tags: ['regions'], summary: 'Regions with priority, role and health (recent checks), the failover history with measured RTO, and recent failover requests', response: { 200: Regions } },
  }, overview);

  app.put<{ Params: Static<typeof RegionNameParams>; Body: Static<typeof RegionBody> }>('/api/v1/regions/:name', {
    config: { auth: { permission: 'fleet:write' } },
    schema: {
      tags: ['regions'], summary: 'Add a region or change its priority, health probe, failback and SLOs (which region is active changes only by failover)',
      params: RegionNameParams, body: RegionBody, response: { 200: Regions, ...errors(400) },
    },
  }, async (req) => {
    await upsertRegion(app.db, { name: req.params.name, ...req.body });
    req.log.info({ region: req.params.name, ...req.body }, 'region configured');
    return overview();
  });

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof FailoverBody> }>('/api/v1/regions/:name/failover', {
    config: { auth: { permission: 'regions:failover' } },
    schema: {
      tags: ['regions'],
      summary: 'Fail over to this region (a human action, with a reason): the failover controller switches the routing within seconds, unless the region is unhealthy',
      params: NameParams, body: FailoverBody, response: { 202: Request, ...errors(400, 404, 409) },
    },
  }, async (req, reply) => {
    const list = await listRegions(app.db);
    const target = list.find((r) => r.name === req.params.name);
    if (!target) throw new NotFoundError(`no region named "${req.params.name}"; known: ${list.map((r) => r.name).join(', ') || 'none'}`);
    if (target.active) throw new ConflictError(`${target.name} is already the active region`);
    const cs = (await recentChecks(app.db, 10)).get(target.name) ?? [];
    const health = healthOf(cs, DEFAULT_FAILOVER);
    if (health !== 'healthy') throw new ConflictError(`${target.name} is ${health}: its last check did not pass, so traffic would go to a region that is down. Wait for a passing check.`);
    const [open] = await openRequests(app.db);
    if (open) throw new ConflictError(`failover request ${open.id} is still being carried out; try again when it is done`);
    const r = await addRequest(app.db, { toRegion: target.name, reason: req.body.reason, actor: actorOf(req.principal!) });
    req.log.info({ region: target.name, actor: r.actor, reason: r.reason, request: r.id }, 'manual region failover requested');
    return reply.code(202).send({ ...r, requestedAt: r.requestedAt.toISOString(), doneAt: iso(r.doneAt) });
  });
}
