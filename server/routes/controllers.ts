// Controllers through the API: what runs, who leads, the switches (pause, dry run) and the
// audit log of every decision. Platform roles see and steer everything; tenant roles may
// read the decisions taken about their own tenant.
import { auditHuman } from '../human-audit.ts';
import { listTenants } from '../../tenancy/tenants.ts';
import { workspaceIdsNamed, workspaceNames } from '../../tenancy/workspaces.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { controllerCatalogue, LEASE_NAME } from '../../controllers/index.ts';
import { ACTION_STATUSES, listActions, summarizeActions, type ActionFilter } from '../../controllers/runtime/audit.ts';
import { readLease } from '../../controllers/runtime/lease.ts';
import { lastRuns } from '../../controllers/runtime/runs.ts';
import { GLOBAL, readSwitches, setSwitch } from '../../controllers/runtime/settings.ts';
import { InvalidError, NotFoundError } from '../../tenancy/errors.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, errors, literals, Nullable, TenantParams, Uuid } from '../schemas.ts';


const ControllerView = Type.Object({
  name: Type.String(),
  description: Type.String(),
  schedule: Type.String({ description: 'node-cron expression, seconds first' }),
  needsKube: Type.Boolean(),
  paused: Type.Boolean(),
  dryRun: Type.Boolean({ description: 'this controller\'s own switch (the global one is separate)' }),
  updatedBy: Nullable(Type.String()),
  lastRun: Nullable(Type.Object({
    startedAt: DateTime, finishedAt: DateTime, decisions: Type.Integer(), applied: Type.Integer(), failed: Type.Integer(),
    deferred: Type.Integer(), dryRun: Type.Boolean(), error: Nullable(Type.String()), holder: Type.String(), epoch: Type.Integer(),
  })),
});
const Overview = Type.Object({
  globalDryRun: Type.Boolean(),
  lease: Nullable(Type.Object({ name: Type.String(), holder: Type.String(), epoch: Type.Integer(), acquiredAt: DateTime, renewedAt: DateTime, expiresAt: DateTime, held: Type.Boolean({ description: 'false when it has expired: no replica leads' }) })),
  controllers: Type.Array(ControllerView),
});
const Action = Type.Object({
  id: Type.Integer(), controller: Type.String(), targetKind: Type.String(), target: Type.String(),
  targetName: Nullable(Type.String({ description: 'the workspace\'s or tenant\'s name when the target is one' })), tenantId: Nullable(Uuid),
  decision: Type.String(), reason: Type.String(), inputs: Type.Record(Type.String(), Type.Unknown()), dryRun: Type.Boolean(),
  status: literals(ACTION_STATUSES), result: Type.Unknown(), error: Nullable(Type.String()), epoch: Type.Integer(), holder: Type.String(),
  decidedAt: DateTime, finishedAt: Nullable(DateTime),
});
const ActionPage = Type.Object({ items: Type.Array(Action), nextCursor: Nullable(Type.String()) });
const ActionQueryFields = {
  controller: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Array(literals(ACTION_STATUSES), { description: 'repeat to match any of several' })),
  target: Type.Optional(Type.String({ maxLength: 200, description: 'a workspace or tenant id or name, a controller name, or namespace/name' })),
  targetKind: Type.Optional(Type.String({ maxLength: 64 })),
  dryRun: Type.Optional(Type.Boolean()),
  since: Type.Optional(DateTime),
  until: Type.Optional(DateTime),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 20 })),
};
const TenantActionQuery = Type.Object(ActionQueryFields, { additionalProperties: false });
const ActionQuery = Type.Object({ ...ActionQueryFields, tenantId: Type.Optional(Uuid) }, { additionalProperties: false });
const NameParams = Type.Object({ name: Type.String({ maxLength: 64 }) });
const SwitchBody = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
// A switch's body is optional: `POST …/pause` with none is the same as `{}`.
const emptyBody = async (req: FastifyRequest) => {
  req.body ??= {};
};
const DryRunBody = Type.Object({ dryRun: Type.Boolean() }, { additionalProperties: false });

export default async function controllers(app: FastifyInstance) {
  const catalogue = controllerCatalogue();
  const known = (name: string) => {
    if (!catalogue.some((c) => c.name === name)) throw new NotFoundError(`no controller named "${name}"; known: ${catalogue.map((c) => c.name).join(', ')}`);
  };

  async function overview(): Promise<Static<typeof Overview>> {
    const [switches, lease, runBy] = await Promise.all([
      readSwitches(app.db),
      readLease(app.db, LEASE_NAME),
      lastRuns(app.db),
    ]);
    return {
      globalDryRun: switches.globalDryRun,
      lease: lease && { ...lease, acquiredAt: lease.acquiredAt.toISOString(), renewedAt: lease.renewedAt.toISOString(), expiresAt: lease.expiresAt.toISOString(), held: lease.expiresAt.getTime() > Date.now() },
      controllers: catalogue.map((c) => {
        const s = switches.byController.get(c.name);
        const r = runBy.get(c.name);
        return {
          ...c, paused: s?.paused ?? false, dryRun: s?.dryRun ?? false, updatedBy: s?.updatedBy ?? null,
          lastRun: r ? { ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() } : null,
        };
      }),
    };
  }

  app.get('/api/v1/controllers', {
    config: { auth: { permission: 'controllers:read' } },
    schema: { tags: ['controllers'], summary: 'Controllers, their switches and last runs, and who holds the lease', response: { 200: Overview } },
  }, overview);

  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof SwitchBody> }>(`/api/v1/controllers/:name/${verb}`, {
      config: { auth: { permission: 'controllers:write' } },
      preValidation: emptyBody,
      schema: {
        tags: ['controllers'], summary: paused ? 'Pause a controller: it stops running until resumed' : 'Resume a paused controller',
        params: NameParams, body: SwitchBody, response: { 200: Overview, ...errors(400, 404) },
      },
    }, async (req) => {
      known(req.params.name);
      await setSwitch(app.db, req.params.name, { paused }, actorOf(req.principal!));
      await auditHuman(req, { targetKind: 'Controller', target: req.params.name, tenantId: null, decision: `${verb} controller ${req.params.name}`, reason: req.body?.reason });
      return overview();
    });
  }

  app.put<{ Params: Static<typeof NameParams>; Body: Static<typeof DryRunBody> }>('/api/v1/controllers/:name/dry-run', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['controllers'], summary: 'Dry run for one controller: decisions are recorded, nothing is applied', params: NameParams, body: DryRunBody, response: { 200: Overview, ...errors(400, 404) } },
  }, async (req) => {
    known(req.params.name);
    await setSwitch(app.db, req.params.name, { dryRun: req.body.dryRun }, actorOf(req.principal!));
    await auditHuman(req, { targetKind: 'Controller', target: req.params.name, tenantId: null, decision: `${req.body.dryRun ? 'dry run' : 'apply decisions of'} controller ${req.params.name}`, reason: undefined });
    return overview();
  });

  app.put<{ Body: Static<typeof DryRunBody> }>('/api/v1/controllers/dry-run', {
    config: { auth: { permission: 'controllers:write' } },
    schema: { tags: ['controllers'], summary: 'Dry run for every controller at once', body: DryRunBody, response: { 200: Overview, ...errors(400) } },
  }, async (req) => {
    await setSwitch(app.db, GLOBAL, { dryRun: req.body.dryRun }, actorOf(req.principal!));
    await auditHuman(req, { targetKind: 'Controller', target: 'all', tenantId: null, decision: req.body.dryRun ? 'dry run every controller' : 'apply decisions of every controller again', reason: undefined });
    return overview();
  });

  // A target given by name matches the ids of the workspaces and tenants of that name too.
  const targets = async (target: string | undefined, tenantId: string | undefined): Promise<string | string[] | undefined> => {
    if (!target) return undefined;
    const tenants = tenantId ? [] : (await listTenants(app.db)).filter((t) => t.name === target).map((t) => t.id);
    return [target, ...(await workspaceIdsNamed(app.db, target, tenantId)), ...tenants];
  };
  // Targets by name, so that a decision reads "pause ws alpha" and links to it.
  const namesOf = async (items: { targetKind: string; target: string; tenantId: string | null }[]) => {
    const names = new Map<string, string>();
    const byTenant = new Map<string, string[]>();
    for (const a of items) if (a.targetKind === 'Workspace' && a.tenantId) byTenant.set(a.tenantId, [...(byTenant.get(a.tenantId) ?? []), a.target]);
    for (const [tenantId, ids] of byTenant) for (const [id, name] of await workspaceNames(app.db, tenantId, ids.filter((i) => UUID.test(i)))) names.set(id, name);
    if (items.some((a) => a.targetKind === 'Tenant')) for (const t of await listTenants(app.db)) names.set(t.id, t.name);
    return names;
  };
  const page = async (f: ActionFilter) => listActions(app.db, { ...f, target: await targets(f.target as string | undefined, f.tenantId) }).then(async (p) => {
    const names = await namesOf(p.items);
    return {
      nextCursor: p.nextCursor,
      items: p.items.map((a) => ({ ...a, targetName: names.get(a.target) ?? null, decidedAt: a.decidedAt.toISOString(), finishedAt: a.finishedAt?.toISOString() ?? null })),
    };
  });

  app.get<{ Querystring: Static<typeof ActionQuery> }>('/api/v1/controller-actions', {
    config: { auth: { permission: 'controllers:read' } },
    schema: { tags: ['controllers'], summary: 'The audit log of controller decisions, newest first', querystring: ActionQuery, response: { 200: ActionPage, ...errors(400) } },
  }, async (req) => page(req.query));

  const SummaryQuery = Type.Object({ since: DateTime, until: DateTime, tenantId: Type.Optional(Uuid) }, { additionalProperties: false });
  const Summary = Type.Object({
    controller: Type.String(), decisions: Type.Integer(), applied: Type.Integer(), failed: Type.Integer({ description: 'failed or interrupted' }), dryRun: Type.Integer(),
    targets: Type.Integer({ description: 'distinct targets' }), lastAt: DateTime,
    busiestTarget: Nullable(Type.Object({ targetKind: Type.String(), target: Type.String(), targetName: Nullable(Type.String()), tenantId: Nullable(Uuid), decisions: Type.Integer() })),
  });
  app.get<{ Querystring: Static<typeof SummaryQuery> }>('/api/v1/controller-actions/summary', {
    config: { auth: { permission: 'controllers:read' } },
    schema: { tags: ['controllers'], summary: 'Per controller (and people), the decisions of a window by outcome, and the target decided about most often', querystring: SummaryQuery, response: { 200: Type.Object({ items: Type.Array(Summary) }), ...errors(400) } },
  }, async (req) => {
    if (!(req.query.since < req.query.until)) throw new InvalidError('since must be before until');
    const rows = await summarizeActions(app.db, req.query);
    const names = await namesOf(rows.flatMap((r) => (r.busiestTarget ? [r.busiestTarget] : [])));
    return {
      items: rows.map((r) => ({
        ...r, lastAt: r.lastAt.toISOString(),
        busiestTarget: r.busiestTarget ? { ...r.busiestTarget, targetName: names.get(r.busiestTarget.target) ?? null } : null,
      })),
    };
  });

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof TenantActionQuery> }>('/api/v1/tenants/:tenantId/controller-actions', {
    config: { auth: { permission: 'controllers:read' } },
    schema: { tags: ['controllers'], summary: 'Controller decisions about this tenant and its workspaces, newest first', params: TenantParams, querystring: TenantActionQuery, response: { 200: ActionPage, ...errors(400) } },
  }, async (req) => page({ ...req.query, tenantId: req.params.tenantId }));
}
