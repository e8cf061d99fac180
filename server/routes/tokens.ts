import { auditHuman } from '../human-audit.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { createToken, getToken, listTokens, revokeToken } from '../../tenancy/tokens.ts';
import { ForbiddenError } from '../../tenancy/errors.ts';
import { PLATFORM_ROLES, PLATFORM_TOKEN_ROLES, TENANT_ROLES, TENANT_ROLE_RANK, type TenantRole } from '../auth/roles.ts';
import type { Principal } from '../auth/principal.ts';
import { ApiToken, NewTokenBody, TenantParams, Uuid, errors } from '../schemas.ts';

const TenantBody = NewTokenBody(TENANT_ROLES);
const PlatformBody = NewTokenBody([...PLATFORM_ROLES, ...PLATFORM_TOKEN_ROLES]);
const Created = Type.Object({ token: Type.String({ description: 'the secret, shown only in this response' }), info: ApiToken });
const TokenParams = Type.Object({ tenantId: Uuid, tokenId: Uuid });
const PlatformTokenParams = Type.Object({ tokenId: Uuid });
// Minting credentials is worth slowing down for anyone who gets hold of a session: per
// caller and tenant (the rule runs after authentication), so that one tenant's bursts never
// lock out another that shares an address (a NAT, a CI provider).
const rateLimit = {
  max: 30,
  timeWindow: '1 minute',
  keyGenerator: (req: FastifyRequest) => `${(req.params as { tenantId?: string }).tenantId ?? 'platform'}:${req.principal?.id ?? req.ip}`,
};

/** "You cannot grant or take away more than you hold": platform admins aside, a tenant token's role may not rank above the caller's. */
function mayHandle(p: Principal, tenantId: string, role: TenantRole, verb: 'create' | 'revoke'): void {
  const own = p.tenantRoles.get(tenantId);
  if (p.platformRole !== 'admin' && (!own || TENANT_ROLE_RANK[role] > TENANT_ROLE_RANK[own])) {
    throw new ForbiddenError(`your role (${own ?? p.platformRole ?? 'none'}) cannot ${verb} a token with the ${role} role`);
  }
}

export default async function tokens(app: FastifyInstance) {
  app.get<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId/tokens', {
    config: { auth: { permission: 'tokens:read' } },
    schema: { tags: ['tokens'], params: TenantParams, response: { 200: Type.Array(ApiToken) } },
  }, async (req) => listTokens(app.db, req.params.tenantId));

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof TenantBody> }>('/api/v1/tenants/:tenantId/tokens', {
    config: { auth: { permission: 'tokens:write' }, rateLimit },
    schema: { tags: ['tokens'], summary: 'Create a tenant API token (shown once)', params: TenantParams, body: TenantBody, response: { 201: Created, ...errors(400, 403) } },
  }, async (req, reply) => {
    const role = req.body.role as TenantRole;
    mayHandle(req.principal!, req.params.tenantId, role, 'create');
    const { token, secret } = await createToken(app.db, { name: req.body.name, tenantId: req.params.tenantId, role, createdBy: req.principal!.userId, expiresInDays: req.body.expiresInDays });
    return reply.code(201).send({ token: secret, info: token });
  });

  app.delete<{ Params: Static<typeof TokenParams> }>('/api/v1/tenants/:tenantId/tokens/:tokenId', {
    config: { auth: { permission: 'tokens:write' } },
    schema: { tags: ['tokens'], summary: 'Revoke a token (of a role no higher than yours)', params: TokenParams, response: { 200: ApiToken, ...errors(403, 404) } },
  }, async (req) => {
    // Revoking is held to the rule for minting: no one takes away a credential of a role above their own.
    const existing = await getToken(app.db, req.params.tenantId, req.params.tokenId);
    mayHandle(req.principal!, req.params.tenantId, existing.role as TenantRole, 'revoke');
    const token = await revokeToken(app.db, req.params.tenantId, req.params.tokenId);
    await auditHuman(req, { targetKind: 'ApiToken', target: req.params.tokenId, tenantId: req.params.tenantId, decision: `revoke token ${token.name}`, reason: undefined });
    return token;
  });

  app.get('/api/v1/platform/tokens', {
    config: { auth: { permission: 'platform:tokens' } },
    schema: { tags: ['tokens'], response: { 200: Type.Array(ApiToken) } },
  }, async () => listTokens(app.db, null));

  app.post<{ Body: Static<typeof PlatformBody> }>('/api/v1/platform/tokens', {
    config: { auth: { permission: 'platform:tokens' }, rateLimit },
    schema: { tags: ['tokens'], summary: 'Create a platform API token (shown once)', body: PlatformBody, response: { 201: Created, ...errors(400, 403) } },
  }, async (req, reply) => {
    const { token, secret } = await createToken(app.db, { name: req.body.name, tenantId: null, role: req.body.role as never, createdBy: req.principal!.userId, expiresInDays: req.body.expiresInDays });
    return reply.code(201).send({ token: secret, info: token });
  });

  app.delete<{ Params: Static<typeof PlatformTokenParams> }>('/api/v1/platform/tokens/:tokenId', {
    config: { auth: { permission: 'platform:tokens' } },
    schema: { tags: ['tokens'], params: PlatformTokenParams, response: { 200: ApiToken, ...errors(404) } },
  }, async (req) => {
    const token = await revokeToken(app.db, null, req.params.tokenId);
    await auditHuman(req, { targetKind: 'ApiToken', target: req.params.tokenId, tenantId: null, decision: `revoke platform token ${token.name}`, reason: undefined });
    return token;
  });
}
