// Authentication and authorization in one place. Every route must declare `config.auth`:
// registering a route without it throws, so no route can forget its permission check.
import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/pool.ts';
import { verifyToken } from '../../tenancy/tokens.ts';
import { hasPermission, type Principal } from './principal.ts';
import type { PrincipalCache } from './principal-cache.ts';
import {
  PLATFORM_TOKEN_ROLE_GRANTS, TENANT_ROLE_PERMISSIONS, isPlatformTokenRole, isTenantScoped, type Permission, type PlatformRole, type TenantRole,
} from './roles.ts';
import { SESSION_COOKIE, sessionPrincipal } from './sessions.ts';

export interface RouteRecord {
  method: string;
  url: string;
  auth: RouteAuth;
  bodyLimit?: number;
}

export type RouteAuth =
  | { public: true }
  | { authenticated: true }
  | { permission: Permission }
  // The route acts in the caller's own tenant, named by its token rather than the URL or
  // the body (ingestion: a sender cannot write into a tenant it merely names). The caller
  // must hold the permission through a role in exactly one tenant; platform roles have no
  // tenant of their own and are refused, unless `platform: 'allowed'`: then a caller holding
  // the permission on the platform acts for the platform itself (req.tenantId stays null).
  | { permission: Permission; tenant: 'own'; platform?: 'allowed' };

/** A credential of this process for itself (its own trace exporter), held in memory only. */
export interface ServiceIdentity {
  name: string;
  secret: string;
  grants: readonly Permission[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** the tenant the request acts in, once authorized: the URL's :tenantId, or the caller's own */
    tenantId: string | null;
  }
  interface FastifyInstance {
    /** every route with the access rule it declared, for audits and the authorization tests */
    routeAuth: RouteRecord[];
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function authenticate(db: Db, req: FastifyRequest, services: readonly ServiceIdentity[], cache?: PrincipalCache): Promise<Principal | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) return null;
    const service = services.find((s) => sameSecret(s.secret, m[1]!));
    if (service) {
      return { kind: 'token', id: `service:${service.name}`, name: service.name, userId: null, platformRole: null, tenantRoles: new Map(), via: 'bearer', grants: service.grants };
    }
    const secret = m[1];
    const token = cache ? await cache.token(secret, () => verifyToken(db, secret)) : await verifyToken(db, secret);
    if (!token) return null;
    if (!token.tenantId && isPlatformTokenRole(token.role)) {
      return { kind: 'token', id: token.id, name: token.name, userId: null, platformRole: null, tenantRoles: new Map(), via: 'bearer', grants: PLATFORM_TOKEN_ROLE_GRANTS[token.role] };
    }
    return {
      kind: 'token',
      id: token.id,
      name: token.name,
      userId: null,
      platformRole: token.tenantId ? null : (token.role as PlatformRole),
      tenantRoles: token.tenantId ? new Map([[token.tenantId, token.role as TenantRole]]) : new Map(),
      via: 'bearer',
    };
  }
  const sid = req.cookies?.[SESSION_COOKIE];
  if (!sid) return null;
  return (cache ? await cache.session(sid, () => sessionPrincipal(db, sid)) : await sessionPrincipal(db, sid)) ?? null;
}

export interface AuthOptions {
  db: Db;
  publicUrl: string;
  publicPrefixes?: string[];
  services?: readonly ServiceIdentity[];
  /** remembers credentials for a few seconds (revocation still takes effect at once) */
  principals?: PrincipalCache;
}

export default fp(async function auth(app: FastifyInstance, opts: AuthOptions) {
  app.decorateRequest('principal', null);
  app.decorateRequest('tenantId', null);
  const records: RouteRecord[] = [];
  app.decorate('routeAuth', records);

  app.addHook('onRoute', (route) => {
    // Third-party UIs whose routes cannot carry our config: public by prefix, named here.
    if (!route.config?.auth && (opts.publicPrefixes ?? []).some((p) => route.url.startsWith(p))) {
      route.config = { ...route.config, auth: { public: true } };
    }
    if (!route.config?.auth) {
      throw new Error(`route ${route.method} ${route.url} declares no config.auth: say which permission it needs, or { public: true }`);
    }
    for (const method of [route.method].flat()) {
      records.push({ method, url: route.url, auth: route.config.auth, bodyLimit: route.bodyLimit });
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const rule = req.routeOptions.config?.auth;
    if (!rule) return; // 404 handler and the like
    if ('public' in rule) return;
    const principal = await authenticate(opts.db, req, opts.services ?? [], opts.principals);
    if (!principal) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ statusCode: 401, error: 'Unauthorized', message: 'sign in, or send an API token as "Authorization: Bearer <token>"' });
    }
    req.principal = principal;
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) {
      const origin = req.headers.origin;
      const sent = req.headers['x-csrf-token'];
      if (
        (origin !== undefined && origin !== new URL(opts.publicUrl).origin && origin !== `${req.protocol}://${req.host}`) ||
        typeof sent !== 'string' || !principal.csrfToken || !sameSecret(sent, principal.csrfToken)
      ) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'missing or wrong x-csrf-token header: send the csrfToken from GET /api/v1/me' });
      }
    }
    if ('authenticated' in rule) return;
    if ('tenant' in rule) {
      if (rule.platform === 'allowed' && hasPermission(principal, rule.permission)) return;
      const own = [...principal.tenantRoles]
        .filter(([, role]) => TENANT_ROLE_PERMISSIONS[role].includes(rule.permission))
        .map(([id]) => id);
      if (own.length === 1) {
        req.tenantId = own[0]!;
        return;
      }
      const message = own.length === 0
        ? `this route acts in the tenant of the caller's token: use a tenant token whose role grants ${rule.permission}`
        : `you hold ${rule.permission} in several tenants: use an API token of the one tenant you mean`;
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message });
    }
    const url = req.routeOptions.url ?? '';
    const tenantId = isTenantScoped(url) ? (req.params as Record<string, string>).tenantId : undefined;
    if (hasPermission(principal, rule.permission, tenantId)) {
      req.tenantId = tenantId ?? null;
      return;
    }
    // Outside its own tenants a caller learns nothing, not even that the tenant exists.
    if (tenantId !== undefined && !principal.platformRole && !principal.tenantRoles.has(tenantId)) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `tenant ${tenantId} not found` });
    }
    return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `your role does not grant ${rule.permission}` });
  });
}, { name: 'pilothouse-auth', dependencies: ['@fastify/cookie'] });
