// Finding 6: a tenant admin could revoke an owner's tokens, although the same admin may not
// demote an owner. Revoking is held to the rule for minting: no higher than your own role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { createToken, listTokens } from '../../tenancy/tokens.ts';

const t = await buildTestApp();

test('a tenant admin cannot revoke an owner\'s token, and it keeps working', async () => {
  const tenant = await t.tenant();
  const owner = await createToken(t.db, { name: 'owner-ci', tenantId: tenant.id, role: 'owner' });
  const admin = await t.token('admin', tenant.id);
  const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}/tokens/${owner.token.id}`, headers: bearer(admin) });
  assert.equal(res.statusCode, 403, res.body);
  assert.match(res.json().message, /cannot revoke a token with the owner role/);
  assert.equal((await listTokens(t.db, tenant.id)).find((x) => x.id === owner.token.id)?.revokedAt, null);
  assert.equal((await t.app.inject({ url: '/api/v1/me', headers: bearer(owner.secret) })).statusCode, 200);
});

test('a tenant admin still revokes tokens of its own rank and below; an owner revokes any', async () => {
  const tenant = await t.tenant();
  const admin = await t.token('admin', tenant.id);
  const owner = await t.token('owner', tenant.id);
  const other = await createToken(t.db, { name: 'admin-2', tenantId: tenant.id, role: 'admin' });
  const ingest = await createToken(t.db, { name: 'ingest', tenantId: tenant.id, role: 'ingest' });
  const owner2 = await createToken(t.db, { name: 'owner-2', tenantId: tenant.id, role: 'owner' });
  for (const [who, id] of [[admin, other.token.id], [admin, ingest.token.id], [owner, owner2.token.id]] as const) {
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}/tokens/${id}`, headers: bearer(who) });
    assert.equal(res.statusCode, 200, res.body);
  }
});
