// The trace explorer's API: search by service, route, status, duration and time; a trace's
// spans in order for the waterfall; latency per step from the rollups; tenants walled off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bearer, buildTestApp } from '../helper.ts';
import { ingestTraces } from '../../collectors/otlp/ingest.ts';

const t = await buildTestApp();
const hex = (n: number) => randomBytes(n).toString('hex');
const acme = await t.tenant();
const globex = await t.tenant();
const base = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

interface S { traceId: string; spanId: string; parent?: string; name: string; kind: number; startMs: number; durMs: number; route?: string; status?: number; error?: boolean }
const span = (s: S) => ({
  traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parent, name: s.name, kind: s.kind,
  startTimeUnixNano: String(BigInt(s.startMs) * 1_000_000n), endTimeUnixNano: String(BigInt(s.startMs + s.durMs) * 1_000_000n),
  status: s.error ? { code: 2, message: 'boom' } : undefined,
  attributes: [
    ...(s.route ? [{ key: 'http.route', value: { stringValue: s.route } }, { key: 'http.request.method', value: { stringValue: 'GET' } }] : []),
    ...(s.status ? [{ key: 'http.response.status_code', value: { intValue: s.status } }] : []),
  ],
});
const send = (tenantId: string | null, service: string, spans: S[]) => ingestTraces(t.db, {
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: spans.map(span) }] }],
}, { tenantId, origin: 'server', retentionDays: 7 });

const slow = { traceId: hex(16), root: hex(8), db: hex(8), cache: hex(8) };
await send(acme.id, 'api', [
  { traceId: slow.traceId, spanId: slow.root, name: 'GET /orders', kind: 2, startMs: base, durMs: 900, route: '/orders', status: 200 },
  { traceId: slow.traceId, spanId: slow.cache, parent: slow.root, name: 'GET cache', kind: 3, startMs: base + 1, durMs: 2 },
  { traceId: slow.traceId, spanId: slow.db, parent: slow.root, name: 'SELECT orders', kind: 3, startMs: base + 5, durMs: 850 },
]);
const fast = { traceId: hex(16), root: hex(8) };
await send(acme.id, 'api', [{ traceId: fast.traceId, spanId: fast.root, name: 'GET /orders', kind: 2, startMs: base + 60_000, durMs: 20, route: '/orders', status: 200 }]);
const failed = { traceId: hex(16), root: hex(8) };
await send(acme.id, 'api', [{ traceId: failed.traceId, spanId: failed.root, name: 'GET /pay', kind: 2, startMs: base + 120_000, durMs: 40, route: '/pay', status: 502 }]);
const theirs = { traceId: hex(16), root: hex(8) };
await send(globex.id, 'api', [{ traceId: theirs.traceId, spanId: theirs.root, name: 'GET /orders', kind: 2, startMs: base, durMs: 5, route: '/orders', status: 200 }]);
const ours = { traceId: hex(16), root: hex(8) };
await send(null, 'pilothouse', [{ traceId: ours.traceId, spanId: ours.root, name: 'GET /api/v1/me', kind: 2, startMs: base, durMs: 3, route: '/api/v1/me', status: 401 }]);

const window = { from: new Date(base - 60_000).toISOString(), to: new Date(base + 5 * 60_000).toISOString() };
const member = await t.token('member', acme.id);
const viewer = await t.token('viewer');
const get = async (url: string, token: string, query: Record<string, string | number> = {}) => {
  const qs = new URLSearchParams(Object.entries({ ...window, ...query }).map(([k, v]) => [k, String(v)]));
  return t.app.inject({ url: `${url}?${qs}`, headers: bearer(token) });
};
const detail = (url: string, token: string) => t.app.inject({ url, headers: bearer(token) });
const ids = (res: { json(): { traceId: string }[] }) => res.json().map((h) => h.traceId).sort();

test('requests are found by route and minimum duration, and by error status', async () => {
  const url = `/api/v1/tenants/${acme.id}/traces`;
  assert.deepEqual(ids(await get(url, member, { route: 'GET /orders', minDurationMs: 500 })), [slow.traceId]);
  assert.deepEqual(ids(await get(url, member, { route: 'GET /orders' })), [fast.traceId, slow.traceId].sort());
  assert.deepEqual(ids(await get(url, member, { status: 'error' })), [failed.traceId]);
  assert.deepEqual(ids(await get(url, member, { service: 'other' })), []);
  const narrow = { from: new Date(base + 30_000).toISOString(), to: new Date(base + 90_000).toISOString() };
  assert.deepEqual(ids(await get(url, member, narrow)), [fast.traceId]);
});

test('a trace comes back as its spans in start order, with offsets from the first', async () => {
  const res = await detail(`/api/v1/tenants/${acme.id}/traces/${slow.traceId}`, member);
  assert.equal(res.statusCode, 200);
  const spans = res.json().spans as { spanId: string; parentSpanId: string | null; offsetMs: number; durationMs: number }[];
  assert.deepEqual(spans.map((s) => [s.spanId, s.parentSpanId, s.offsetMs, s.durationMs]), [
    [slow.root, null, 0, 900], [slow.cache, slow.root, 1, 2], [slow.db, slow.root, 5, 850],
  ]);
});

test('a tenant sees neither another tenant\'s traces nor the platform\'s; a platform viewer sees all, or one scope', async () => {
  assert.equal((await detail(`/api/v1/tenants/${acme.id}/traces/${theirs.traceId}`, member)).statusCode, 404);
  assert.equal((await detail(`/api/v1/tenants/${acme.id}/traces/${ours.traceId}`, member)).statusCode, 404);
  assert.equal((await detail(`/api/v1/traces/${ours.traceId}?tenant=platform`, viewer)).statusCode, 200);
  assert.equal((await get(`/api/v1/tenants/${globex.id}/traces`, member)).statusCode, 404);
  assert.equal((await get('/api/v1/traces', member)).statusCode, 403);
  const all = ids(await get('/api/v1/traces', viewer));
  assert.ok([slow.traceId, theirs.traceId, ours.traceId].every((id) => all.includes(id)));
  assert.deepEqual(ids(await get('/api/v1/traces', viewer, { tenant: 'platform' })), [ours.traceId]);
  assert.deepEqual(ids(await get('/api/v1/traces', viewer, { tenant: globex.id })), [theirs.traceId]);
});

test('the latency series per step comes from the rollups, with requests, errors and quantiles', async () => {
  const res = await get(`/api/v1/tenants/${acme.id}/requests/series`, member, { service: 'api', route: 'GET /orders', stepMinutes: 1 });
  assert.equal(res.statusCode, 200);
  const points = res.json() as { t: string; requests: number; errors: number; p95Ms: number }[];
  assert.deepEqual(points.map((p) => [p.t, p.requests, p.errors]), [[new Date(base).toISOString(), 1, 0], [new Date(base + 60_000).toISOString(), 1, 0]]);
  assert.ok(points[0]!.p95Ms > 750 && points[0]!.p95Ms <= 1000, `p95 ${points[0]!.p95Ms} lies in the (750, 1000] bucket`);
  const routes = await get(`/api/v1/tenants/${acme.id}/requests/routes`, member);
  assert.deepEqual(routes.json().map((r: { route: string; requests: number; errors: number }) => [r.route, r.requests, r.errors]), [['GET /orders', 2, 0], ['GET /pay', 1, 1]]);
});

test('a window whose start is after its end is a 400 that says so', async () => {
  const res = await get(`/api/v1/tenants/${acme.id}/traces`, member, { from: window.to, to: window.from });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /from must be before to/);
});

test('no latency percentile is above the slowest request seen: a route whose slowest took 11.8 s never shows a p95 of 26 s', async () => {
  const at = base - 3 * 60_000;
  const durations = [11_800, 11_500, 10_900, 10_400, 200, 180, 150, 120, 100, 90];
  await send(acme.id, 'api', durations.map((d) => ({ traceId: hex(16), spanId: hex(8), name: 'GET /slow-export', kind: 2, startMs: at, durMs: d, route: '/slow-export', status: 200 })));
  const res = await get(`/api/v1/tenants/${acme.id}/requests/series`, member, { route: 'GET /slow-export', stepMinutes: 60, from: new Date(at - 3600_000).toISOString(), to: new Date(at + 3600_000).toISOString() });
  assert.equal(res.statusCode, 200);
  const [p] = res.json();
  assert.equal(p.maxMs, 11_800);
  for (const q of ['p50Ms', 'p95Ms', 'p99Ms'] as const) assert.ok(p[q] <= 11_800, `${q} ${p[q]} ms is above the slowest request (11800 ms)`);
  // The point's p95 leads to requests: at least one request is at least that slow.
  assert.ok(durations.some((d) => d >= p.p95Ms));
});

test('hourly steps start on the hour, whatever the window\'s start', async () => {
  const res = await get(`/api/v1/tenants/${acme.id}/requests/series`, member, { route: 'GET /orders', stepMinutes: 60, from: new Date(base - 37 * 60_000).toISOString(), to: new Date(base + 5 * 60_000).toISOString() });
  assert.equal(res.statusCode, 200);
  const points = res.json() as { t: string }[];
  assert.ok(points.length > 0);
  for (const p of points) assert.equal(Date.parse(p.t) % 3_600_000, 0, `${p.t} is not on the hour`);
});
