import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import {
  countWorkspaces, getWorkspace, listTransitions, listWorkspaces, transitionWorkspace,
} from '../../tenancy/workspaces.ts';
import { startups } from '../../tenancy/workspace-startup.ts';
import { WORKSPACE_STATES } from '../../tenancy/workspace-states.ts';
import { createAdmitted, pauseWorkspace, resumeWorkspace, touchWorkspace } from '../../admission/workspaces.ts';
import { actorOf } from '../auth/principal.ts';
import { auditHuman } from '../human-audit.ts';
import { fleetRegions, readClient, workspaceEvents } from '../cluster-reads.ts';
import { InvalidError } from '../../tenancy/errors.ts';
import {
  DateTime, NewWorkspaceBody, Page, TenantParams, Uuid, Workspace, WorkspaceListQuery, WorkspaceStateSchema, errors,
} from '../schemas.ts';

const WsParams = Type.Object({ tenantId: Uuid, workspaceId: Uuid });
const PlatformQuery = Type.Object({ ...WorkspaceListQuery.properties, tenantId: Type.Optional(Uuid) }, { additionalProperties: false });
const Transition = Type.Object({
  from: Type.Union([WorkspaceStateSchema, Type.Null()]),
  to: WorkspaceStateSchema,
  reason: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Union([Type.String(), Type.Null()]),
  at: DateTime,
});
const WorkspaceDetail = Type.Object({
  ...Workspace.properties,
  history: Type.Array(Transition),
  startupSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'the latest start, from its request to running' }),
});
const KubeEvent = Type.Object({
  type: Type.String({ description: 'Normal or Warning' }), reason: Type.String(), message: Type.String(), object: Type.String({ description: 'Kind/name' }),
  count: Type.Integer(), firstAt: Type.Union([DateTime, Type.Null()]), lastAt: Type.Union([DateTime, Type.Null()]), source: Type.Union([Type.String(), Type.Null()]),
});
const ActionBody = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
// An action's body is optional: `POST …/pause` with none is the same as `{}`.
const emptyBody = async (req: FastifyRequest) => {
  req.body ??= {};
};

export default async function workspaces(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof WorkspaceListQuery> }>('/api/v1/tenants/:tenantId/workspaces', {
    config: { auth: { permission: 'workspaces:read' } },
    schema: { tags: ['workspaces'], summary: 'A tenant\'s workspaces, newest first', params: TenantParams, querystring: WorkspaceListQuery, response: { 200: Page(Workspace), ...errors(400) } },
  }, async (req) => listWorkspaces(app.db, { ...req.query, tenantId: req.params.tenantId }));

  app.get<{ Querystring: Static<typeof PlatformQuery> }>('/api/v1/workspaces', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['workspaces'], summary: 'Workspaces of every tenant (platform roles)', querystring: PlatformQuery, response: { 200: Page(Workspace), ...errors(400) } },
  }, async (req) => listWorkspaces(app.db, req.query));

  const Counts = Type.Object(Object.fromEntries(WORKSPACE_STATES.map((s) => [s, Type.Integer({ minimum: 0 })])), { description: 'workspaces in each state' });
  app.get<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId/workspaces/counts', {
    config: { auth: { permission: 'workspaces:read' } },
    schema: { tags: ['workspaces'], summary: 'A tenant\'s workspaces by state', params: TenantParams, response: { 200: Counts } },
  }, async (req) => countWorkspaces(app.db, { tenantId: req.params.tenantId }));

  app.get<{ Querystring: { tenantId?: string } }>('/api/v1/workspaces/counts', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['workspaces'], summary: 'Workspaces by state, of every tenant or of one (platform roles)', querystring: Type.Object({ tenantId: Type.Optional(Uuid) }, { additionalProperties: false }), response: { 200: Counts, ...errors(400) } },
  }, async (req) => countWorkspaces(app.db, { tenantId: req.query.tenantId }));

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof NewWorkspaceBody> }>('/api/v1/tenants/:tenantId/workspaces', {
    config: { auth: { permission: 'workspaces:write' } },
    schema: { tags: ['workspaces'], summary: 'Create a workspace (it starts if the tenant\'s quota allows it, else 429)', params: TenantParams, body: NewWorkspaceBody, response: { 201: Workspace, ...errors(400, 409, 429) } },
  }, async (req, reply) => {
    // A region without nodes would leave the workspace "starting" until it times out.
    const regions = await fleetRegions(app);
    if (regions && !regions.includes(req.body.region)) {
      throw new InvalidError(`region ${req.body.region} has no nodes in the fleet: use one of ${regions.join(', ') || '(none: the cluster has no nodes)'}`);
    }
    const ws = await createAdmitted(app.db, { ...req.body, tenantId: req.params.tenantId, createdBy: req.principal!.userId });
    await auditHuman(req, { targetKind: 'Workspace', target: ws.id, tenantId: ws.tenantId, decision: `create workspace ${ws.name} in ${ws.region}`, reason: undefined, inputs: { region: ws.region, resourceFactor: ws.resourceFactor } });
    return reply.code(201).send(ws);
  });

  app.get<{ Params: Static<typeof WsParams> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId/events', {
    config: { auth: { permission: 'workspaces:read' } },
    schema: {
      tags: ['workspaces'], summary: 'Kubernetes events of the workspace\'s Deployment, ReplicaSets and pods (FailedScheduling, image pulls, OOM kills), newest first',
      params: WsParams,
      response: { 200: Type.Object({ items: Type.Array(KubeEvent), unavailable: Type.Optional(Type.String({ description: 'why there are no events: no cluster is configured' })) }), ...errors(404, 502) },
    },
  }, async (req) => {
    const ws = await getWorkspace(app.db, req.params.tenantId, req.params.workspaceId);
    const kube = readClient(app);
    if (!kube) return { items: [], unavailable: 'No Kubernetes cluster is configured: set KUBECONFIG to read the workspace\'s events' };
    return { items: await workspaceEvents(kube, ws.tenantId, ws.id) };
  });

  app.get<{ Params: Static<typeof WsParams> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId', {
    config: { auth: { permission: 'workspaces:read' } },
    schema: { tags: ['workspaces'], params: WsParams, response: { 200: WorkspaceDetail, ...errors(404) } },
  }, async (req) => {
    const ws = await getWorkspace(app.db, req.params.tenantId, req.params.workspaceId);
    const history = await listTransitions(app.db, req.params.tenantId, ws.id);
    return { ...ws, history, startupSeconds: (await startups(app.db, req.params.tenantId, ws.id)).at(-1)?.seconds ?? null };
  });

  app.post<{ Params: Static<typeof WsParams>; Body: Static<typeof ActionBody> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId/pause', {
    config: { auth: { permission: 'workspaces:write' } },
    preValidation: emptyBody,
    schema: { tags: ['workspaces'], summary: 'Pause: the sandbox stops, the volume stays', params: WsParams, body: ActionBody, response: { 200: Workspace, ...errors(400, 404, 409) } },
  }, async (req) => {
    const ws = await pauseWorkspace(app.db, req.params.tenantId, req.params.workspaceId, actorOf(req.principal!), req.body?.reason);
    await auditHuman(req, { targetKind: 'Workspace', target: ws.id, tenantId: ws.tenantId, decision: `pause workspace ${ws.name}`, reason: req.body?.reason });
    return ws;
  });

  for (const verb of ['resume', 'start'] as const) {
    app.post<{ Params: Static<typeof WsParams>; Body: Static<typeof ActionBody> }>(`/api/v1/tenants/:tenantId/workspaces/:workspaceId/${verb}`, {
      config: { auth: { permission: 'workspaces:write' } },
      preValidation: emptyBody,
      schema: {
        tags: ['workspaces'],
        summary: verb === 'resume' ? 'Resume a paused workspace (429 when the quota does not allow it)' : 'Start a paused or failed workspace again (the same as resume)',
        params: WsParams, body: ActionBody, response: { 200: Workspace, ...errors(400, 404, 409, 429) },
      },
    }, async (req) => {
      const ws = await resumeWorkspace(app.db, req.params.tenantId, req.params.workspaceId, actorOf(req.principal!));
      await auditHuman(req, { targetKind: 'Workspace', target: ws.id, tenantId: ws.tenantId, decision: `${verb} workspace ${ws.name}`, reason: req.body?.reason });
      return ws;
    });
  }

  app.post<{ Params: Static<typeof WsParams>; Body: Static<typeof ActionBody> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId/activity', {
    config: { auth: { permission: 'workspaces:write' } },
    preValidation: emptyBody,
    schema: { tags: ['workspaces'], summary: 'Record activity now (the idle reaper pauses workspaces without any)', params: WsParams, body: ActionBody, response: { 200: Workspace, ...errors(400, 404, 409) } },
  }, async (req) => touchWorkspace(app.db, req.params.tenantId, req.params.workspaceId));

  app.delete<{ Params: Static<typeof WsParams>; Querystring: { reason?: string } }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId', {
    config: { auth: { permission: 'workspaces:write' } },
    schema: {
      tags: ['workspaces'], summary: 'Archive a workspace', params: WsParams,
      querystring: Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'why, for the audit log' })) }, { additionalProperties: false }),
      response: { 200: Workspace, ...errors(400, 404, 409) },
    },
  }, async (req) => {
    const ws = await transitionWorkspace(app.db, req.params.tenantId, req.params.workspaceId, { to: 'archived', reason: req.query.reason ?? 'deleted', actor: actorOf(req.principal!) });
    await auditHuman(req, { targetKind: 'Workspace', target: ws.id, tenantId: ws.tenantId, decision: `archive workspace ${ws.name}`, reason: req.query.reason });
    return ws;
  });
}
