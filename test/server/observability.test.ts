import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { createPool } from '../../db/pool.ts';
import { buildApp } from '../../server/app.ts';

const t = await buildTestApp();

test('/healthz says the process is alive and /readyz that the database answers', async () => {
  assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
  const ready = await t.app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ok', db: 'ok' });
});

test('/readyz answers 503 when the database is unreachable', async () => {
  const dead = createPool('postgres://nobody:x@127.0.0.1:1/none', 1);
  const app = await buildApp({ config: t.config, db: dead, console: false, logger: false });
  const res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { status: 'unavailable', db: 'unreachable' });
  await app.close();
  await dead.end();
});

test('/metrics exposes request durations by method, route template and status', async () => {
  const tenant = await t.tenant();
  await t.app.inject({ url: `/api/v1/tenants/${tenant.id}`, headers: bearer(await t.token('admin')) });
  const text = (await t.app.inject({ url: '/metrics' })).body;
  assert.match(text, /http_server_request_duration_seconds_count\{method="GET",route="\/api\/v1\/tenants\/:tenantId",status_code="200"\} 1/);
  assert.match(text, /process_cpu_seconds_total/);
});

test('unmatched URLs share one route label, so scanners cannot multiply series', async () => {
  for (let i = 0; i < 3; i++) await t.app.inject({ url: `/api/v1/nope-${i}` });
  const text = (await t.app.inject({ url: '/metrics' })).body;
  assert.match(text, /route="unmatched",status_code="404"\} 3/);
  assert.doesNotMatch(text, /nope-1/);
});

test('with METRICS_TOKEN set, /metrics needs that bearer token', async () => {
  const guarded = await buildTestApp({ env: { METRICS_TOKEN: 'scrape-secret-0123456789' } });
  assert.equal((await guarded.app.inject({ url: '/metrics' })).statusCode, 401);
  assert.equal((await guarded.app.inject({ url: '/metrics', headers: bearer('wrong-secret-0123456789') })).statusCode, 401);
  assert.equal((await guarded.app.inject({ url: '/metrics', headers: bearer('scrape-secret-0123456789') })).statusCode, 200);
});

test('a request id is echoed back, taken from x-request-id when sane', async () => {
  const given = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
  assert.equal(given.headers['x-request-id'], 'abc-123');
  const made = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('the OpenAPI document describes the API with its security scheme', async () => {
  const doc = (await t.app.inject({ url: '/api/docs/json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.paths['/api/v1/tenants/{tenantId}/workspaces'].post.requestBody);
  assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  assert.equal((await t.app.inject({ url: '/api/docs' })).statusCode < 400, true);
});

test('security headers are set on every response', async () => {
  const res = await t.app.inject({ url: '/healthz' });
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.ok(res.headers['strict-transport-security']);
});
