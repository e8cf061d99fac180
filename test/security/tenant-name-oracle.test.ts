// Finding 7: renaming a tenant to another tenant's name answered `409 a tenant named "…"
// already exists`: an oracle for other tenants' names. Only callers who see every tenant are
// told a name is taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';

const t = await buildTestApp();

test('a tenant owner learns nothing about other tenants\' names by renaming its own', async () => {
  const secret = await t.tenant(`Secret Corp ${Date.now()}`);
  const mine = await t.tenant();
  const owner = await t.token('owner', mine.id);
  const taken = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${mine.id}`, headers: bearer(owner), payload: { name: secret.name.toUpperCase() } });
  const free = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${mine.id}`, headers: bearer(owner), payload: { name: `Nobody Has This ${Date.now()}` } });
  assert.equal(taken.statusCode, free.statusCode, `${taken.body} vs ${free.body}`);
  assert.equal(taken.statusCode, 200);
  assert.doesNotMatch(taken.body, /already exists/);
});

test('a platform admin is still told that a name is taken, creating or renaming', async () => {
  const admin = await t.token('admin');
  const a = await t.tenant(`Taken ${Date.now()}`);
  const b = await t.tenant();
  const create = await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: bearer(admin), payload: { name: a.name } });
  assert.equal(create.statusCode, 409);
  const rename = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${b.id}`, headers: bearer(admin), payload: { name: a.name.toLowerCase() } });
  assert.equal(rename.statusCode, 409);
  assert.match(rename.json().message, /already exists/);
});
