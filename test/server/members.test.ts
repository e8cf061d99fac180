import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';

const t = await buildTestApp();

test('an owner invites a member by e-mail and changes the role', async () => {
  const tenant = await t.tenant();
  const owner = await t.token('owner', tenant.id);
  const added = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/members`, headers: bearer(owner), payload: { email: 'dev@example.com', role: 'member' } });
  assert.equal(added.statusCode, 201);
  const { userId } = added.json();
  const changed = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${tenant.id}/members/${userId}`, headers: bearer(owner), payload: { role: 'admin' } });
  assert.equal(changed.json().role, 'admin');
  const again = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/members`, headers: bearer(owner), payload: { email: 'DEV@example.com', role: 'member' } });
  assert.equal(again.statusCode, 409);
});

test('the last owner cannot be removed or demoted', async () => {
  const tenant = await t.tenant();
  const admin = await t.token('admin');
  const { userId } = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/members`, headers: bearer(admin), payload: { email: `o-${tenant.id}@example.com`, role: 'owner' } })).json();
  const demote = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${tenant.id}/members/${userId}`, headers: bearer(admin), payload: { role: 'member' } });
  assert.equal(demote.statusCode, 409);
  assert.match(demote.json().message, /last owner/);
  const remove = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}/members/${userId}`, headers: bearer(admin) });
  assert.equal(remove.statusCode, 409);
});

test('a tenant admin cannot make anyone owner', async () => {
  const tenant = await t.tenant();
  const tadmin = await t.token('admin', tenant.id);
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/members`, headers: bearer(tadmin), payload: { email: 'boss@example.com', role: 'owner' } });
  assert.equal(res.statusCode, 403);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM memberships WHERE tenant_id = $1`, [tenant.id]);
  assert.equal(rows[0].n, 0);
});

test('a member of one tenant is never listed in another', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  const admin = await t.token('admin');
  await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${a.id}/members`, headers: bearer(admin), payload: { email: 'only-a@example.com', role: 'member' } });
  const list = await t.app.inject({ url: `/api/v1/tenants/${b.id}/members`, headers: bearer(admin) });
  assert.deepEqual(list.json(), []);
});
