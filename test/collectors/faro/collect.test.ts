// POST /collect: the Faro wire format in, 202 "ok" out like Grafana Alloy's receiver; web
// vitals and exceptions stored per app, page and session; retries absorbed; bad keys,
// origins, sizes and floods refused without storing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bearer, buildTestApp } from '../../helper.ts';
import { createRumApp } from '../../../collectors/faro/apps.ts';

const t = await buildTestApp();
const tenant = await t.tenant();
const shop = await createRumApp(t.db, { tenantId: tenant.id, name: 'shop', allowedOrigins: ['https://shop.example.com'] });

function batch(over: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    meta: {
      sdk: { name: '@grafana/faro-web-sdk', version: '2.12.1' },
      app: { name: 'shop', version: '1.0.0', environment: 'test' },
      session: { id: 'session-1' },
      page: { url: 'https://shop.example.com/orders/3f2a8c1e-1b2c-4d5e-8f90-123456789abc?tab=items#top' },
      browser: { name: 'Chrome', version: '140' },
    },
    measurements: [
      { type: 'web-vitals', values: { lcp: 1234.5, delta: 1234.5 }, timestamp: now, context: { rating: 'needs-improvement', id: 'v1' } },
      { type: 'web-vitals', values: { cls: 0.12, delta: 0.12 }, timestamp: now },
      { type: 'web-vitals', values: { ttfb: 88 }, timestamp: now },
      { type: 'custom', values: { cart_items: 3 }, timestamp: now },
    ],
    exceptions: [{
      type: 'TypeError', value: 'cart is undefined', timestamp: now,
      stacktrace: { frames: [{ filename: 'https://shop.example.com/app.js', function: 'checkout', lineno: 10, colno: 5 }] },
    }],
    logs: [{ message: 'checkout started', level: 'info', timestamp: now }],
    events: [{ name: 'click', domain: 'ui', attributes: { target: 'pay' }, timestamp: now }],
    ...over,
  };
}

const post = (body: unknown, headers: Record<string, string> = {}) => t.app.inject({
  method: 'POST', url: '/collect', payload: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json', 'x-api-key': shop.apiKey, origin: 'https://shop.example.com', ...headers },
});

async function events(appId = shop.id) {
  return (await t.db.query(`SELECT kind, name, value, message, page, session_id, tenant_id FROM rum_events WHERE app_id = $1 ORDER BY kind, name`, [appId])).rows;
}
const count = async () => (await t.db.query(`SELECT count(*)::int AS n FROM rum_events`)).rows[0].n as number;

test('a Faro batch is answered 202 "ok" and its vitals, exceptions, logs and events are stored per app, page and session', async () => {
  const res = await post(batch(), { 'idempotency-key': 'k-1', 'x-faro-session-id': 'session-1' });
  assert.equal(res.statusCode, 202);
  assert.equal(res.body, 'ok');
  assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example.com');
  const rows = await events();
  assert.deepEqual(rows.map((r) => [r.kind, r.name, r.value]), [
    ['event', 'click', null], ['exception', 'TypeError', null], ['log', 'info', null], ['measurement', 'custom', null],
    ['vital', 'cls', 0.12], ['vital', 'lcp', 1234.5], ['vital', 'ttfb', 88],
  ]);
  for (const r of rows) {
    assert.equal(r.page, '/orders/:id');
    assert.equal(r.session_id, 'session-1');
    assert.equal(r.tenant_id, tenant.id);
  }
  assert.equal(rows.find((r) => r.kind === 'exception')!.message, 'cart is undefined');
});

test('a retried batch with the same Idempotency-Key is stored once', async () => {
  const app = await createRumApp(t.db, { tenantId: tenant.id, name: `retry-${randomBytes(3).toString('hex')}` });
  const send = () => post(batch(), { 'x-api-key': app.apiKey, origin: '', 'idempotency-key': 'same-key' });
  assert.equal((await send()).statusCode, 202);
  const first = (await events(app.id)).length;
  assert.equal((await send()).statusCode, 202);
  assert.equal((await events(app.id)).length, first);
});

test('the vitals and exceptions read back per page for the tenant, and another tenant cannot see the app', async () => {
  const other = await t.tenant();
  const member = await t.token('member', tenant.id);
  const vitals = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/rum/apps/${shop.id}/vitals`, headers: bearer(member) });
  assert.equal(vitals.statusCode, 200);
  const lcp = vitals.json().find((v: { vital: string }) => v.vital === 'lcp');
  assert.deepEqual([lcp.page, lcp.count, lcp.p75], ['/orders/:id', 1, 1234.5]);
  const exceptions = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/rum/apps/${shop.id}/exceptions`, headers: bearer(member) });
  assert.deepEqual(exceptions.json().map((e: { type: string; message: string }) => [e.type, e.message]), [['TypeError', 'cart is undefined']]);
  const outsider = await t.token('owner', other.id);
  const hidden = await t.app.inject({ url: `/api/v1/tenants/${other.id}/rum/apps/${shop.id}/vitals`, headers: bearer(outsider) });
  assert.equal(hidden.statusCode, 404);
});

test('a missing or wrong API key is a 401, a foreign origin a 403, and nothing is stored', async () => {
  const before = await count();
  const none = await post(batch(), { 'x-api-key': '' });
  assert.equal(none.statusCode, 401);
  assert.match(none.json().message, /API key not provided or incorrect/);
  assert.equal((await post(batch(), { 'x-api-key': 'faro_wrong' })).statusCode, 401);
  const foreign = await post(batch(), { origin: 'https://evil.example.net' });
  assert.equal(foreign.statusCode, 403);
  assert.match(foreign.json().message, /origin https:\/\/evil.example.net may not send for app shop/);
  assert.equal(await count(), before);
});

test('malformed batches are a 400 that says what is wrong, and nothing is stored', async () => {
  const before = await count();
  const cases: [unknown, RegExp][] = [
    ['{"meta": ', /not valid JSON/],
    [{ logs: [] }, /missing the required field "meta"/],
    [batch({ measurements: [{ type: 'web-vitals', values: { lcp: 'fast' } }] }), /body.measurements.0.values.lcp must be number/],
    [batch({ traces: { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '01', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] } }), /body.traces.resourceSpans.0.scopeSpans.0.spans.0.traceId must be hex/],
  ];
  for (const [body, message] of cases) {
    const res = await post(body);
    assert.equal(res.statusCode, 400, String(message));
    assert.match(res.json().message, message);
  }
  assert.equal(await count(), before);
});

test('a payload over 5 MiB is a 413', async () => {
  const res = await post(JSON.stringify({ meta: {}, logs: [{ message: 'x'.repeat(5 * 1024 * 1024) }] }));
  assert.equal(res.statusCode, 413);
  assert.match(res.json().message, /5 MiB/);
});

test('the preflight allows the headers the Faro SDK sends, Idempotency-Key and x-faro-session-id included', async () => {
  const res = await t.app.inject({ method: 'OPTIONS', url: '/collect', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example.com');
  const allowed = String(res.headers['access-control-allow-headers']).split(/,\s*/);
  for (const h of ['content-type', 'x-api-key', 'x-faro-session-id', 'idempotency-key']) assert.ok(allowed.includes(h), h);
});

test('traces in a batch are stored as spans of the app\'s tenant', async () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = randomBytes(16).toString('hex');
  const traces = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-web' } }] }, scopeSpans: [{ spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'HTTP GET', kind: 3, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) }] }] }] };
  assert.equal((await post(batch({ traces }), { 'idempotency-key': 'with-traces' })).statusCode, 202);
  const spans = await t.db.query(`SELECT tenant_id, service FROM spans WHERE trace_id = $1`, [traceId]);
  assert.deepEqual(spans.rows, [{ tenant_id: tenant.id, service: 'shop-web' }]);
});

test('an app sending faster than 50 batches a second beyond a burst of 100 gets 429 with Retry-After', async () => {
  const app = await createRumApp(t.db, { tenantId: tenant.id, name: `flood-${randomBytes(3).toString('hex')}` });
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 160 }, () => post({ meta: {} }, { 'x-api-key': app.apiKey, origin: '' })));
  const seconds = (performance.now() - started) / 1000;
  const accepted = results.filter((r) => r.statusCode === 202).length;
  const limited = results.filter((r) => r.statusCode === 429);
  assert.equal(accepted + limited.length, 160);
  assert.ok(accepted >= 100 && accepted <= 100 + Math.ceil(50 * seconds) + 1, `${accepted} accepted in ${seconds.toFixed(2)} s`);
  assert.ok(limited.length > 0);
  assert.match(String(limited[0]!.headers['retry-after']), /^\d+$/);
});
