// Walks every registered route: each role, in its own tenant and in another, gets the status
// its permissions promise. New routes are covered without touching this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { bearer, buildTestApp } from '../helper.ts';
import { fillUrl } from './route-walk.ts';
import auth from '../../server/auth/plugin.ts';
import {
  PLATFORM_ROLES, PLATFORM_ROLE_PERMISSIONS, PLATFORM_TOKEN_ROLES, PLATFORM_TOKEN_ROLE_GRANTS, TENANT_ROLES, TENANT_ROLE_PERMISSIONS, isTenantScoped,
  type Permission, type PlatformRole, type PlatformTokenRole, type TenantRole,
} from '../../server/auth/roles.ts';

const t = await buildTestApp();
const routes = t.app.routeAuth.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/api/docs'));


const payloadFor = (method: string) => (['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined);

test('every route declares an access rule; a route without one cannot be registered', async () => {
  assert.ok(routes.length >= 20, `expected the API's routes, found ${routes.length}`);
  for (const r of routes) assert.ok(r.auth, `${r.method} ${r.url}`);
  const bare = Fastify();
  await bare.register(cookie);
  await bare.register(auth, { db: t.db, publicUrl: 'http://localhost' });
  await bare.after();
  assert.throws(() => bare.get('/undeclared', async () => 'open'), /declares no config\.auth/);
});

test('without credentials every non-public route answers 401', async () => {
  const tenant = await t.tenant();
  for (const r of routes.filter((r) => !('public' in r.auth))) {
    const res = await t.app.inject({ method: r.method as never, url: fillUrl(r.url, tenant.id), payload: payloadFor(r.method) });
    assert.equal(res.statusCode, 401, `${r.method} ${r.url}: ${res.body}`);
    assert.ok(res.json().message, `${r.method} ${r.url} explains the 401`);
  }
});

test('a revoked or unknown token is a 401', async () => {
  const res = await t.app.inject({ url: '/api/v1/me', headers: bearer('ph_not-a-real-token') });
  assert.equal(res.statusCode, 401);
});

type Who = { label: string; platform?: PlatformRole; tenantRole?: TenantRole; machine?: PlatformTokenRole };
const WHO: Who[] = [
  ...TENANT_ROLES.map((r) => ({ label: `tenant ${r}`, tenantRole: r })),
  // Token-only platform roles hold their grants and see no tenant at all.
  ...PLATFORM_TOKEN_ROLES.map((r) => ({ label: `platform token ${r}`, machine: r })),
  ...PLATFORM_ROLES.filter((r) => r !== 'admin').map((r) => ({ label: `platform ${r}`, platform: r })),
  // last: the admin may delete the tenant under test
  { label: 'platform admin', platform: 'admin' as const },
];

function allowed(who: Who, permission: Permission, scope: 'own' | 'other' | 'platform', ownTenantRule = false, platformAllowed = false): boolean {
  // A token-only platform role holds its grants everywhere (the collector writes usage for any tenant it names).
  if (who.machine) return (!ownTenantRule || platformAllowed) && PLATFORM_TOKEN_ROLE_GRANTS[who.machine].includes(permission);
  // A route acting in the caller's own tenant has none to offer a platform role, unless it
  // also acts for the platform itself.
  if (who.platform) return (!ownTenantRule || platformAllowed) && PLATFORM_ROLE_PERMISSIONS[who.platform].includes(permission);
  if (scope !== 'own' || !who.tenantRole) return false;
  return TENANT_ROLE_PERMISSIONS[who.tenantRole].includes(permission);
}

test('each role gets what its permissions promise, in its own tenant, another tenant and the platform', async () => {
  const failures: string[] = [];
  for (const r of routes) {
    const rule = r.auth;
    if (!('permission' in rule)) continue;
    // Fresh tenants per route, so that an allowed delete cannot disturb the next route.
    const own = await t.tenant();
    const other = await t.tenant();
    const ownTenantRule = 'tenant' in rule;
    const scopes: ('own' | 'other' | 'platform')[] = isTenantScoped(r.url) ? ['own', 'other'] : ownTenantRule ? ['own'] : ['platform'];
    for (const who of WHO) {
      const token = who.platform ? await t.token(who.platform) : who.machine ? await t.token(who.machine as never) : await t.token(who.tenantRole!, own.id);
      for (const scope of scopes) {
        const url = fillUrl(r.url, scope === 'other' ? other.id : own.id);
        const res = await t.app.inject({ method: r.method as never, url, headers: bearer(token), payload: payloadFor(r.method) });
        const ok = allowed(who, rule.permission, scope, ownTenantRule, 'platform' in rule && rule.platform === 'allowed');
        const where = `${who.label} → ${r.method} ${r.url} (${scope})`;
        const foreign = !who.platform && (scope === 'other' || (who.machine !== undefined && isTenantScoped(r.url)));
        // A 503 naming what is not configured (this app has no cluster) is an answer given past the access check.
        const unconfigured = res.statusCode === 503 && /configured/i.test(res.json().message ?? '');
        if (res.statusCode >= 500 && !unconfigured) failures.push(`${where}: ${res.statusCode} ${res.body}`);
        else if (ok && (res.statusCode === 401 || res.statusCode === 403)) failures.push(`${where}: expected access, got ${res.statusCode} ${res.body}`);
        // Platform roles see every tenant, so they are refused with 403; a tenant role is
        // refused outside its tenant with 404, learning nothing about the other tenant. A
        // token-only platform role has no tenant: to it every tenant is another's.
        else if (!ok && foreign && res.statusCode !== 404) failures.push(`${where}: expected 404 across tenants, got ${res.statusCode}`);
        else if (!ok && !foreign && res.statusCode !== 403) failures.push(`${where}: expected 403, got ${res.statusCode}`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('a tenant member cannot read another tenant\'s workspace even knowing its id', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  const admin = await t.token('admin');
  const created = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${b.id}/workspaces`, headers: bearer(admin), payload: { name: 'secret', region: 'us-east-1' } });
  const wsId = created.json().id;
  const memberA = await t.token('member', a.id);
  const direct = await t.app.inject({ url: `/api/v1/tenants/${b.id}/workspaces/${wsId}`, headers: bearer(memberA) });
  assert.equal(direct.statusCode, 404);
  const viaOwn = await t.app.inject({ url: `/api/v1/tenants/${a.id}/workspaces/${wsId}`, headers: bearer(memberA) });
  assert.equal(viaOwn.statusCode, 404);
  const list = await t.app.inject({ url: `/api/v1/tenants/${a.id}/workspaces`, headers: bearer(memberA) });
  assert.deepEqual(list.json().items, []);
});
