// A credential's principal is remembered for a few seconds, and revocation is honoured at
// once: on this replica before the revoking request is answered, on every other replica
// as soon as the database announces it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { eventually } from '../../eventually.ts';
import { createPool } from '../../../db/pool.ts';
import { buildApp } from '../../../server/app.ts';

const t = await buildTestApp();
// A second replica: its own app and pool on the same database.
const otherPool = createPool(t.dbUrl, 4);
const other = await buildApp({ config: t.config, db: otherPool, console: false });
await other.ready();
test.after(async () => {
  await other.close();
  await otherPool.end();
});

const me = (app: typeof t.app, token: string) => app.inject({ url: '/api/v1/me', headers: bearer(token) });

test('a cached token still answers the moment its row stops being read', async () => {
  const token = await t.token('viewer');
  assert.equal((await me(t.app, token)).statusCode, 200);
  // Reads of api_tokens fail for this connection's role from now on: a cached principal
  // answers without them, which is what the cache is for.
  await t.db.query('ALTER TABLE api_tokens RENAME TO api_tokens_moved');
  try {
    assert.equal((await me(t.app, token)).statusCode, 200);
  } finally {
    await t.db.query('ALTER TABLE api_tokens_moved RENAME TO api_tokens');
  }
});

test('a token revoked through the API is refused on the very next request', async () => {
  const admin = await t.token('admin');
  const created = await t.app.inject({ method: 'POST', url: '/api/v1/platform/tokens', headers: bearer(admin), payload: { name: 'soon revoked', role: 'viewer' } });
  const { token, info } = created.json();
  assert.equal((await me(t.app, token)).statusCode, 200);
  const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/platform/tokens/${info.id}`, headers: bearer(admin) });
  assert.equal(revoked.statusCode, 200);
  assert.equal((await me(t.app, token)).statusCode, 401);
});

test('a token revoked on another replica (or by SQL) is refused here once the database announces it', async () => {
  const token = await t.token('sre');
  assert.equal((await me(t.app, token)).statusCode, 200);
  assert.equal((await me(other, token)).statusCode, 200);
  await otherPool.query(`UPDATE api_tokens SET revoked_at = now() WHERE name = 'test-sre' AND revoked_at IS NULL`);
  await eventually('the revocation announced by the database', async () => (await me(t.app, token)).statusCode === 401, 2000);
  assert.equal((await me(other, token)).statusCode, 401);
});

test('a token whose role changes elsewhere gets its new role\'s answers once the database announces it', async () => {
  const tenant = await t.tenant();
  const token = await t.token('member', tenant.id);
  assert.equal((await t.app.inject({ url: `/api/v1/tenants/${tenant.id}`, headers: bearer(token) })).statusCode, 200);
  await otherPool.query(`UPDATE api_tokens SET role = 'ingest' WHERE tenant_id = $1`, [tenant.id]);
  await eventually('the role change announced by the database', async () => (await t.app.inject({ url: `/api/v1/tenants/${tenant.id}`, headers: bearer(token) })).statusCode === 403, 2000);
});
