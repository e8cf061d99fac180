import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bearer, buildTestApp } from '../helper.ts';

const t = await buildTestApp();
const tenant = await t.tenant();
const owner = await t.token('owner', tenant.id);

test('a created token is shown once and stored only as its SHA-256 hash', async () => {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(owner), payload: { name: 'ci', role: 'ingest' } });
  assert.equal(res.statusCode, 201);
  const { token, info } = res.json();
  assert.match(token, /^ph_[A-Za-z0-9_-]{43}$/);
  const { rows } = await t.db.query(`SELECT token_hash, prefix FROM api_tokens WHERE id = $1`, [info.id]);
  assert.deepEqual(rows[0].token_hash, createHash('sha256').update(token).digest());
  assert.equal(rows[0].prefix, token.slice(0, 10));
  const list = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(owner) });
  assert.ok(!list.body.includes(token), 'the listing never contains the secret');
});

test('a revoked token stops working at once', async () => {
  const created = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(owner), payload: { name: 'temp', role: 'member' } })).json();
  assert.equal((await t.app.inject({ url: '/api/v1/me', headers: bearer(created.token) })).statusCode, 200);
  const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}/tokens/${created.info.id}`, headers: bearer(owner) });
  assert.equal(revoked.statusCode, 200);
  assert.ok(revoked.json().revokedAt);
  assert.equal((await t.app.inject({ url: '/api/v1/me', headers: bearer(created.token) })).statusCode, 401);
});

test('using a token records when it was last used', async () => {
  const created = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(owner), payload: { name: 'seen', role: 'member' } })).json();
  assert.equal(created.info.lastUsedAt, null);
  await t.app.inject({ url: '/api/v1/me', headers: bearer(created.token) });
  const { rows } = await t.db.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [created.info.id]);
  assert.ok(rows[0].last_used_at instanceof Date);
});

test('an expired token is refused', async () => {
  const created = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(owner), payload: { name: 'short', role: 'member', expiresInDays: 1 } })).json();
  await t.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.info.id]);
  assert.equal((await t.app.inject({ url: '/api/v1/me', headers: bearer(created.token) })).statusCode, 401);
});

test('a tenant admin cannot mint an owner token', async () => {
  const admin = await t.token('admin', tenant.id);
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(admin), payload: { name: 'escalate', role: 'owner' } });
  assert.equal(res.statusCode, 403);
  assert.match(res.json().message, /cannot create a token with the owner role/);
});

test('a token of one tenant cannot revoke another tenant\'s token', async () => {
  const other = await t.tenant();
  const otherOwner = await t.token('owner', other.id);
  const created = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${other.id}/tokens`, headers: bearer(otherOwner), payload: { name: 'theirs', role: 'member' } })).json();
  const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}/tokens/${created.info.id}`, headers: bearer(owner) });
  assert.equal(res.statusCode, 404);
  assert.equal((await t.app.inject({ url: '/api/v1/me', headers: bearer(created.token) })).statusCode, 200);
});

test('token creation is rate limited with 429 and Retry-After', async () => {
  const fresh = await t.tenant();
  const o = await t.token('owner', fresh.id);
  let limited: Awaited<ReturnType<typeof t.app.inject>> | undefined;
  for (let i = 0; i < 40 && !limited; i++) {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${fresh.id}/tokens`, headers: bearer(o), payload: { name: `n${i}`, role: 'member' } });
    if (res.statusCode === 429) limited = res;
  }
  assert.ok(limited, 'a burst of token creations is limited');
  assert.ok(Number(limited.headers['retry-after']) > 0);
});

test('platform tokens are managed by platform admins only', async () => {
  const admin = await t.token('admin');
  const created = await t.app.inject({ method: 'POST', url: '/api/v1/platform/tokens', headers: bearer(admin), payload: { name: 'grafana', role: 'viewer' } });
  assert.equal(created.statusCode, 201);
  const viewer = created.json().token;
  const me = (await t.app.inject({ url: '/api/v1/me', headers: bearer(viewer) })).json();
  assert.equal(me.platformRole, 'viewer');
  const refused = await t.app.inject({ method: 'POST', url: '/api/v1/platform/tokens', headers: bearer(viewer), payload: { name: 'x', role: 'admin' } });
  assert.equal(refused.statusCode, 403);
});
