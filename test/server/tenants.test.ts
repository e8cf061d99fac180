import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';

const t = await buildTestApp();
const admin = await t.token('admin');

test('a platform admin creates a tenant and sees it listed', async () => {
  const created = await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: bearer(admin), payload: { name: 'Acme', plan: 'enterprise' } });
  assert.equal(created.statusCode, 201);
  const body = created.json();
  assert.equal(body.name, 'Acme');
  assert.equal(body.plan, 'enterprise');
  const list = await t.app.inject({ url: '/api/v1/tenants', headers: bearer(admin) });
  assert.ok(list.json().some((x: { id: string }) => x.id === body.id));
});

test('a second tenant with the same name, in any case, is a 409 that says so', async () => {
  await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: bearer(admin), payload: { name: 'Globex' } });
  const dup = await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: bearer(admin), payload: { name: 'GLOBEX' } });
  assert.equal(dup.statusCode, 409);
  assert.match(dup.json().message, /already exists/);
});

test('a tenant member lists only its own tenant', async () => {
  const mine = await t.tenant();
  await t.tenant();
  const owner = await t.token('owner', mine.id);
  const list = await t.app.inject({ url: '/api/v1/tenants', headers: bearer(owner) });
  assert.deepEqual(list.json().map((x: { id: string }) => x.id), [mine.id]);
});

test('an owner may rename its tenant but not change its quota', async () => {
  const mine = await t.tenant();
  const owner = await t.token('owner', mine.id);
  const renamed = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${mine.id}`, headers: bearer(owner), payload: { name: 'Renamed Co' } });
  assert.equal(renamed.statusCode, 200);
  assert.equal(renamed.json().name, 'Renamed Co');
  const quota = await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${mine.id}/quota`, headers: bearer(owner), payload: { plan: 'enterprise' } });
  assert.equal(quota.statusCode, 403);
});

test('a tenant with live workspaces cannot be deleted', async () => {
  const mine = await t.tenant();
  await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${mine.id}/workspaces`, headers: bearer(admin), payload: { name: 'ws', region: 'eu-west-1' } });
  const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${mine.id}`, headers: bearer(admin) });
  assert.equal(del.statusCode, 409);
  assert.match(del.json().message, /not archived/);
});
