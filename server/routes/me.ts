import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listTenants } from '../../tenancy/tenants.ts';
import { PLATFORM_ROLE_PERMISSIONS, TENANT_ROLE_PERMISSIONS } from '../auth/roles.ts';

const Me = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  name: Type.String(),
  platformRole: Type.Union([Type.String(), Type.Null()]),
  platformPermissions: Type.Array(Type.String()),
  tenants: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), permissions: Type.Array(Type.String()) })),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
});

export default async function me(app: FastifyInstance) {
  app.get('/api/v1/me', {
    config: { auth: { authenticated: true } },
    schema: { tags: ['auth'], summary: 'Who the caller is and what it may do', response: { 200: Me } },
  }, async (req, reply) => {
    const p = req.principal!;
    reply.header('cache-control', 'no-store');
    const own = await listTenants(app.db, [...p.tenantRoles.keys()]);
    return {
      kind: p.kind,
      id: p.id,
      name: p.name,
      platformRole: p.platformRole,
      platformPermissions: p.platformRole ? [...PLATFORM_ROLE_PERMISSIONS[p.platformRole]] : [],
      tenants: own.map((t) => {
        const role = p.tenantRoles.get(t.id)!;
        return { id: t.id, name: t.name, role, permissions: [...TENANT_ROLE_PERMISSIONS[role]] };
      }),
      csrfToken: p.csrfToken ?? null,
    };
  });
}
