import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import {
  createWorkspace, getWorkspace, listTransitions, listWorkspaces, transitionWorkspace,
} from '../../tenancy/workspaces.ts';
import { actorOf } from '../auth/principal.ts';
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
const WorkspaceDetail = Type.Object({ ...Workspace.properties, history: Type.Array(Transition) });

export default async function workspaces(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof WorkspaceListQuery> }>('/api/v1/tenants/:tenantId/workspaces', {
    config: { auth: { permission: 'workspaces:read' } },
    schema: { tags: ['workspaces'], summary: 'A tenant\'s workspaces, newest first', params: TenantParams, querystring: WorkspaceListQuery, response: { 200: Page(Workspace), ...errors(400) } },
  }, async (req) => listWorkspaces(app.db, { ...req.query, tenantId: req.params.tenantId }));

  app.get<{ Querystring: Static<typeof PlatformQuery> }>('/api/v1/workspaces', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['workspaces'], summary: 'Workspaces of every tenant (platform roles)', querystring: PlatformQuery, response: { 200: Page(Workspace), ...errors(400) } },
  }, async (req) => listWorkspaces(app.db, req.query));

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof NewWorkspaceBody> }>('/api/v1/tenants/:tenantId/workspaces', {
    config: { auth: { permission: 'workspaces:write' } },
    schema: { tags: ['workspaces'], summary: 'Create a workspace record', params: TenantParams, body: NewWorkspaceBody, response: { 201: Workspace, ...errors(400, 409) } },
  }, async (req, reply) => {
    const ws = await createWorkspace(app.db, { ...req.body, tenantId: req.params.tenantId, createdBy: req.principal!.userId });
    return reply.code(201).send(ws);
  });

  app.get<{ Params: Static<typeof WsParams> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId', {
    config: { auth: { permission: 'workspaces:read' } },
    schema: { tags: ['workspaces'], params: WsParams, response: { 200: WorkspaceDetail, ...errors(404) } },
  }, async (req) => {
    const ws = await getWorkspace(app.db, req.params.tenantId, req.params.workspaceId);
    return { ...ws, history: await listTransitions(app.db, req.params.tenantId, ws.id) };
  });

  app.delete<{ Params: Static<typeof WsParams> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId', {
    config: { auth: { permission: 'workspaces:write' } },
    schema: { tags: ['workspaces'], summary: 'Archive a workspace', params: WsParams, response: { 200: Workspace, ...errors(404, 409) } },
  }, async (req) => transitionWorkspace(app.db, req.params.tenantId, req.params.workspaceId, {
    to: 'archived', reason: 'deleted', actor: actorOf(req.principal!),
  }));
}
