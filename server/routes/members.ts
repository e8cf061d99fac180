import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { addMember, listMembers, removeMember, setMemberRole } from '../../tenancy/members.ts';
import { withTransaction } from '../../db/pool.ts';
import { ForbiddenError } from '../../tenancy/errors.ts';
import type { Principal } from '../auth/principal.ts';
import { MEMBER_ROLES, TENANT_ROLE_RANK, type MemberRole } from '../auth/roles.ts';
import { Member, TenantParams, Uuid, errors, literals } from '../schemas.ts';

const MemberParams = Type.Object({ tenantId: Uuid, userId: Uuid });
const AddBody = Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }), role: literals(MEMBER_ROLES) }, { additionalProperties: false });
const RoleBody = Type.Object({ role: literals(MEMBER_ROLES) }, { additionalProperties: false });

/** A tenant admin may not hand out (or take away) more power than it holds. */
function assertMayGrant(p: Principal, tenantId: string, role: MemberRole): void {
  if (p.platformRole === 'admin') return;
  const own = p.tenantRoles.get(tenantId);
  if (!own || TENANT_ROLE_RANK[role] > TENANT_ROLE_RANK[own]) {
    throw new ForbiddenError(`your role (${own ?? 'none'}) cannot grant or change the ${role} role`);
  }
}

export default async function members(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId/members', {
    config: { auth: { permission: 'members:read' } },
    schema: { tags: ['members'], params: TenantParams, response: { 200: Type.Array(Member) } },
  }, async (req) => listMembers(app.db, req.params.tenantId));

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof AddBody> }>('/api/v1/tenants/:tenantId/members', {
    config: { auth: { permission: 'members:write' } },
    schema: { tags: ['members'], summary: 'Add a member by e-mail (they sign in with it)', params: TenantParams, body: AddBody, response: { 201: Member, ...errors(400, 403, 409) } },
  }, async (req, reply) => {
    assertMayGrant(req.principal!, req.params.tenantId, req.body.role);
    return reply.code(201).send(await addMember(app.db, req.params.tenantId, req.body.email, req.body.role));
  });

  app.patch<{ Params: Static<typeof MemberParams>; Body: Static<typeof RoleBody> }>('/api/v1/tenants/:tenantId/members/:userId', {
    config: { auth: { permission: 'members:write' } },
    schema: { tags: ['members'], summary: 'Change a member\'s role', params: MemberParams, body: RoleBody, response: { 200: Member, ...errors(400, 403, 404, 409) } },
  }, async (req) => withTransaction(app.db, async (tx) => {
    const current = (await listMembers(tx, req.params.tenantId)).find((m) => m.userId === req.params.userId);
    if (current) assertMayGrant(req.principal!, req.params.tenantId, current.role);
    assertMayGrant(req.principal!, req.params.tenantId, req.body.role);
    return setMemberRole(tx, req.params.tenantId, req.params.userId, req.body.role);
  }));

  app.delete<{ Params: Static<typeof MemberParams> }>('/api/v1/tenants/:tenantId/members/:userId', {
    config: { auth: { permission: 'members:write' } },
    schema: { tags: ['members'], params: MemberParams, response: { 204: Type.Null(), ...errors(403, 404, 409) } },
  }, async (req, reply) => {
    await withTransaction(app.db, async (tx) => {
      const current = (await listMembers(tx, req.params.tenantId)).find((m) => m.userId === req.params.userId);
      if (current) assertMayGrant(req.principal!, req.params.tenantId, current.role);
      await removeMember(tx, req.params.tenantId, req.params.userId);
    });
    return reply.code(204).send();
  });
}
