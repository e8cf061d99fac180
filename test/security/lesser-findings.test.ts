// Finding 8, the lesser items, one test each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { bearer, buildTestApp } from '../helper.ts';
import { buildApp } from '../../server/app.ts';
import { createBootstrapLink } from '../../server/auth/sessions.ts';
import { reaperLimits } from '../../controllers/reaper/decide.ts';
import { fileURLToPath } from 'node:url';
import { loadCatalogFile } from '../../collectors/cost/catalog-store.ts';

const t = await buildTestApp();
const admin = await t.token('admin');
const tenant = await t.tenant();
const ingest = await t.token('ingest', tenant.id);
const member = await t.token('member', tenant.id);

test('fleet mode and price catalogues answer no ingest token; members see no createdBy', async () => {
  await loadCatalogFile(t.db, fileURLToPath(new URL('../../collectors/cost/default-catalog.yaml', import.meta.url)));
  for (const url of ['/api/v1/fleet/mode', '/api/v1/price-catalogs']) {
    assert.equal((await t.app.inject({ url, headers: bearer(ingest) })).statusCode, 403, url);
    assert.equal((await t.app.inject({ url, headers: bearer(member) })).statusCode, 200, url);
  }
  const catalogs = (await t.app.inject({ url: '/api/v1/price-catalogs', headers: bearer(member) })).json() as { createdBy: string | null }[];
  assert.ok(catalogs.length > 0);
  assert.ok(catalogs.every((c) => c.createdBy === null));
});

test('GET /api/v1/tenants returns nothing to an ingest token that GET /api/v1/tenants/{id} refuses', async () => {
  assert.equal((await t.app.inject({ url: `/api/v1/tenants/${tenant.id}`, headers: bearer(ingest) })).statusCode, 403);
  assert.deepEqual((await t.app.inject({ url: '/api/v1/tenants', headers: bearer(ingest) })).json(), []);
});

test('a quota of "1e999" is refused with a 400, and the quota read keeps working', async () => {
  const res = await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'requests.cpu': '1e999' } } } });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().message, /largest quantity/);
  assert.equal((await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin) })).statusCode, 200);
});

test('tenant settings have upper bounds, and a stored value past them is not obeyed', async () => {
  const owner = await t.token('owner', tenant.id);
  const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${tenant.id}`, headers: bearer(owner), payload: { config: { idleTimeoutMinutes: 1e300 } } });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().message, /idleTimeoutMinutes/);
  assert.equal(reaperLimits({ idleTimeoutMinutes: 1e300 }).idleMinutes, 30);
});

test('one tenant\'s token creations do not lock another tenant out (rate limits are per caller and tenant)', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  const ownerA = await t.token('owner', a.id);
  const ownerB = await t.token('owner', b.id);
  for (let i = 0; i < 31; i++) await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${a.id}/tokens`, headers: bearer(ownerA), payload: { name: `n${i}`, role: 'member' } });
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${a.id}/tokens`, headers: bearer(ownerA), payload: { name: 'again', role: 'member' } })).statusCode, 429);
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${b.id}/tokens`, headers: bearer(ownerB), payload: { name: 'b', role: 'member' } });
  assert.equal(res.statusCode, 201, res.body);
});

test('the one-time bootstrap link is not written into the request log', async () => {
  let log = '';
  const stream = new Writable({ write(chunk, _enc, done) { log += chunk.toString(); done(); } });
  const app = await buildApp({ config: t.config, db: t.db, console: false, logger: { level: 'info', stream } });
  await app.ready();
  const secret = await createBootstrapLink(t.db);
  await app.inject({ url: `/auth/bootstrap?token=${secret}` });
  await app.close();
  assert.match(log, /request completed/);
  assert.ok(!log.includes(secret), 'the secret appears in the log');
});

test('database error text never reaches the caller', async () => {
  const body = { name: `dup-${Date.now()}` };
  const first = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/rum/apps`, headers: bearer(admin), payload: body });
  assert.equal(first.statusCode, 201, first.body);
  const dup = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/rum/apps`, headers: bearer(admin), payload: body });
  assert.equal(dup.statusCode, 409);
  assert.doesNotMatch(dup.body, /constraint|rum_apps|violates|duplicate key/);
});

test('invalid UTF-8 is refused, not stored as U+FFFD', async () => {
  const payload = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { ...bearer(admin), 'content-type': 'application/json' }, payload });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().message, /UTF-8/);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM tenants WHERE name LIKE 'caf%'`);
  assert.equal(rows[0].n, 0);
});

test('a NUL in a Faro exception is a 400 (fix the input), not a 503 with Retry-After', async () => {
  const key = (await t.app.inject({ url: '/api/v1/rum/console' })).json().apiKey;
  const res = await t.app.inject({
    method: 'POST', url: '/collect', headers: { 'content-type': 'application/json', 'x-api-key': key },
    payload: JSON.stringify({ meta: {}, exceptions: [{ type: 'Error', value: 'bad \u0000 byte' }] }),
  });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.headers['retry-after'], undefined);
});

test('the API docs page has a Content-Security-Policy', async () => {
  let res = await t.app.inject({ url: '/api/docs' });
  for (let hops = 0; res.statusCode === 302 && hops < 3; hops++) res = await t.app.inject({ url: new URL(String(res.headers.location), 'http://x/api/docs/').pathname });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /html/);
  assert.match(String(res.headers['content-security-policy']), /script-src/);
});
