// POST /v1/traces with the real OpenTelemetry exporters as clients: both encodings store the
// same spans and the same rollups; retries are absorbed; bad bodies change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { bearer, buildTestApp } from '../../helper.ts';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from '../../../collectors/otlp/proto.ts';
import { exporter, recordingProvider, send, SUCCESS } from './exporters.ts';

const t = await buildTestApp();
const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
const url = `${base}/v1/traces`;

/** Stored spans of a tenant, as comparable plain rows (tenant left out). */
async function storedSpans(tenantId: string | null) {
  const { rows } = await t.db.query(
    `SELECT trace_id, span_id, parent_span_id, start_time, start_unix_nano::text, duration_ns::text, service, name, kind, status_code,
            status_message, route, http_status, is_error, trace_state, flags, attributes, resource, scope, events, links, dropped
       FROM spans WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY trace_id, span_id`,
    [tenantId],
  );
  return rows;
}

async function storedRollups(tenantId: string | null) {
  const { rows } = await t.db.query(
    `SELECT service, route, minute, requests, errors, duration_sum_ns::text, buckets::text
       FROM request_rollups WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY service, route, minute`,
    [tenantId],
  );
  return rows;
}

async function spanCount(): Promise<number> {
  return (await t.db.query(`SELECT count(*)::int AS n FROM spans`)).rows[0].n;
}

/** A small but varied trace: server spans on two routes (one 5xx, one status error), a
 * client child with events and a link, attributes of every AnyValue type. */
function makeSpans() {
  const { tracer, finished } = recordingProvider('checkout');
  const t0 = Date.now() - 60_000;
  const at = (ms: number): [number, number] => [Math.floor((t0 + ms) / 1000), ((t0 + ms) % 1000) * 1e6 + 123];
  const root = tracer.startSpan('GET /orders/:id', {
    kind: SpanKind.SERVER, startTime: at(0),
    attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200, 'flag.off': false, 'count.zero': 0, ratio: 0.25, tags: ['a', 'b'], ints: [1, 2, 3], empty: '' },
  });
  const ctx = root.spanContext();
  const child = tracer.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT, startTime: at(2), links: [{ context: ctx, attributes: { 'link.kind': 'follows' } }],
    attributes: { 'db.system.name': 'postgresql', 'db.rows': 42 },
  }, trace.setSpan(context.active(), root));
  child.addEvent('retry', { attempt: 2 }, at(5));
  child.end(at(48));
  root.end(at(100)); // exactly 100 ms + 0 ns: the le=100 bucket
  const failed = tracer.startSpan('POST /orders', {
    kind: SpanKind.SERVER, startTime: at(200),
    attributes: { 'http.request.method': 'POST', 'http.route': '/orders', 'http.response.status_code': 503 },
  });
  failed.end(at(1200));
  const errored = tracer.startSpan('POST /orders', {
    kind: SpanKind.SERVER, startTime: at(300),
    attributes: { 'http.request.method': 'POST', 'http.route': '/orders', 'http.response.status_code': 200 },
  });
  errored.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  errored.end(at(303));
  return finished();
}

const spans = makeSpans();

test('the same spans sent through the OTLP JSON and protobuf exporters are stored identically, with identical rollups', async () => {
  const viaJson = await t.tenant();
  const viaProto = await t.tenant();
  const r1 = await send(exporter('json', url, await t.token('ingest', viaJson.id)), spans);
  const r2 = await send(exporter('protobuf', url, await t.token('ingest', viaProto.id), true), spans);
  assert.equal(r1.code, SUCCESS, String(r1.error));
  assert.equal(r2.code, SUCCESS, String(r2.error));

  const a = await storedSpans(viaJson.id);
  const b = await storedSpans(viaProto.id);
  assert.equal(a.length, spans.length);
  assert.deepEqual(b, a);
  assert.deepEqual(await storedRollups(viaProto.id), await storedRollups(viaJson.id));

  const root = a.find((s) => s.name === 'GET /orders/:id')!;
  assert.equal(root.route, 'GET /orders/:id');
  assert.equal(root.duration_ns, '100000000');
  assert.deepEqual(
    { off: root.attributes['flag.off'], zero: root.attributes['count.zero'], ratio: root.attributes.ratio, tags: root.attributes.tags, ints: root.attributes.ints, empty: root.attributes.empty },
    { off: false, zero: 0, ratio: 0.25, tags: ['a', 'b'], ints: [1, 2, 3], empty: '' },
  );
  assert.equal(root.resource['service.name'], 'checkout');
  assert.deepEqual(root.scope, { name: 'pilothouse-test', version: '1.2.3' });
  const child = a.find((s) => s.name === 'SELECT orders')!;
  assert.equal(child.parent_span_id, root.span_id);
  assert.equal(child.route, null, 'client spans are not requests');
  assert.deepEqual(child.events.map((e: { name: string; attributes: object }) => [e.name, e.attributes]), [['retry', { attempt: 2 }]]);
  assert.deepEqual(child.links.map((l: { spanId: string; attributes: object }) => [l.spanId, l.attributes]), [[root.span_id, { 'link.kind': 'follows' }]]);
});

test('rollups count requests, errors (5xx or span status error) and latency buckets per service, route and minute', async () => {
  const tenant = await t.tenant();
  assert.equal((await send(exporter('json', url, await t.token('ingest', tenant.id)), spans)).code, SUCCESS);
  const rows = await storedRollups(tenant.id);
  const byRoute = Object.fromEntries(rows.map((r) => [r.route, r]));
  assert.deepEqual(Object.keys(byRoute).sort(), ['GET /orders/:id', 'POST /orders']);
  assert.deepEqual([byRoute['GET /orders/:id'].requests, byRoute['GET /orders/:id'].errors], [1, 0]);
  assert.deepEqual([byRoute['POST /orders'].requests, byRoute['POST /orders'].errors], [2, 2]);
  // 100 ms exactly is in the le=100 bucket (index 6); 1000 ms in le=1000 (12); 3 ms in le=5 (2)
  assert.equal(byRoute['GET /orders/:id'].buckets, '{0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0}');
  assert.equal(byRoute['POST /orders'].buckets, '{0,0,1,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0}');
  assert.equal(byRoute['POST /orders'].duration_sum_ns, String(1_000_000_000 + 3_000_000));
});

test('a retried export changes neither the stored spans nor the rollups', async () => {
  const tenant = await t.tenant();
  const token = await t.token('ingest', tenant.id);
  await send(exporter('protobuf', url, token), spans);
  const spansBefore = await storedSpans(tenant.id);
  const rollupsBefore = await storedRollups(tenant.id);
  assert.equal((await send(exporter('json', url, token), spans)).code, SUCCESS);
  assert.equal((await send(exporter('protobuf', url, token, true), spans)).code, SUCCESS);
  assert.deepEqual(await storedSpans(tenant.id), spansBefore);
  assert.deepEqual(await storedRollups(tenant.id), rollupsBefore);
});

/** A minimal valid OTLP/JSON request with one span per given trace id. */
function jsonRequest(spansIn: { traceId: string; spanId?: string; start?: bigint; end?: bigint }[]) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [{
        scope: { name: 'manual' },
        spans: spansIn.map((s, i) => ({
          traceId: s.traceId, spanId: s.spanId ?? `00000000000000${(i + 1).toString(16).padStart(2, '0')}`, name: 'op', kind: 2,
          startTimeUnixNano: String(s.start ?? now), endTimeUnixNano: String(s.end ?? now + 5_000_000n),
        })),
      }],
    }],
  };
}

const TRACE = '5b8efff798038103d269b633813fc60c';

test('malformed bodies get a 400 that says what is wrong, in the request\'s encoding, and nothing is stored', async () => {
  const tenant = await t.tenant();
  const token = await t.token('ingest', tenant.id);
  const before = await spanCount();
  const cases: { body: Buffer | string; type: string; encoding?: string; message: RegExp }[] = [
    { body: '{"resourceSpans": [', type: 'application/json', message: /not valid JSON/ },
    { body: JSON.stringify(jsonRequest([{ traceId: 'not-hex-at-all-not-hex-at-all-xx' }])), type: 'application/json', message: /traceId must be hex/ },
    { body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: '0000000000000001', startTimeUnixNano: 'soon', endTimeUnixNano: '1' }] }] }] }), type: 'application/json', message: /startTimeUnixNano/ },
    { body: JSON.stringify({ spans: [] }), type: 'application/json', message: /missing the required field "resourceSpans"/ },
    { body: gzipSync(Buffer.from('{"resourceSpans": 5}')), type: 'application/json', encoding: 'gzip', message: /resourceSpans must be array/ },
    { body: Buffer.from('not gzip at all'), type: 'application/json', encoding: 'gzip', message: /not valid gzip/ },
    { body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), type: 'application/x-protobuf', message: /not a protobuf ExportTraceServiceRequest/ },
  ];
  for (const c of cases) {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': c.type, ...(c.encoding ? { 'content-encoding': c.encoding } : {}) }, body: typeof c.body === 'string' ? c.body : new Uint8Array(c.body) });
    assert.equal(res.status, 400, `${c.message}: ${res.status}`);
    const buf = Buffer.from(await res.arrayBuffer());
    const message = c.type === 'application/x-protobuf'
      ? (RpcStatus.toObject(RpcStatus.decode(buf)) as { message: string; code: number }).message
      : JSON.parse(buf.toString()).message;
    assert.match(message, c.message);
  }
  assert.equal(await spanCount(), before);
});

test('spans that cannot be stored are rejected by count and reason (partial success); the others are stored', async () => {
  const tenant = await t.tenant();
  const token = await t.token('ingest', tenant.id);
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = jsonRequest([
    { traceId: TRACE, spanId: '00000000000000aa' },
    { traceId: 'abcd', spanId: '00000000000000ab' },
    { traceId: TRACE, spanId: '00000000000000ac', start: now, end: now - 1n },
    { traceId: TRACE, spanId: '00000000000000ad', start: now - 400n * 86_400_000_000_000n },
  ]);
  const res = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: body });
  assert.equal(res.statusCode, 200);
  const partial = res.json().partialSuccess;
  assert.equal(partial.rejectedSpans, '3');
  assert.match(partial.errorMessage, /1 span: traceId must be 16 bytes/);
  assert.match(partial.errorMessage, /1 span: endTimeUnixNano is before startTimeUnixNano/);
  assert.match(partial.errorMessage, /1 span: span starts before the retention window/);
  assert.deepEqual((await storedSpans(tenant.id)).map((s) => s.span_id), ['00000000000000aa']);

  // The same answer in protobuf, for a protobuf request.
  const proto = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 7), spanId: Buffer.alloc(4, 1), startTimeUnixNano: String(now), endTimeUnixNano: String(now) }] }] }],
  })).finish();
  const res2 = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(token), 'content-type': 'application/x-protobuf' }, payload: Buffer.from(proto) });
  assert.equal(res2.statusCode, 200);
  assert.equal(res2.headers['content-type'], 'application/x-protobuf');
  const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res2.rawPayload), { longs: String }) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
  assert.equal(decoded.partialSuccess.rejectedSpans, '1');
  assert.match(decoded.partialSuccess.errorMessage, /spanId must be 8 bytes/);
});

test('a fully accepted JSON export is answered with an empty ExportTraceServiceResponse', async () => {
  const tenant = await t.tenant();
  const res = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(await t.token('ingest', tenant.id)), 'content-type': 'application/json' }, payload: jsonRequest([{ traceId: TRACE }]) });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {});
});

test('an ingest token writes into its own tenant, a platform admin into the platform; other roles are refused', async () => {
  const tenant = await t.tenant();
  const payload = jsonRequest([{ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1' }]);
  const post = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...headers, 'content-type': 'application/json' }, payload });
  assert.equal((await post(bearer(await t.token('ingest', tenant.id)))).statusCode, 200);
  assert.equal((await post(bearer(await t.token('admin')))).statusCode, 200);
  assert.equal((await storedSpans(tenant.id)).length, 1);
  assert.equal((await storedSpans(null)).filter((s) => s.trace_id === 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1').length, 1);
  const member = await post(bearer(await t.token('member', tenant.id)));
  assert.equal(member.statusCode, 403);
  assert.match(member.json().message, /telemetry:ingest/);
  assert.equal((await post(bearer(await t.token('sre')))).statusCode, 403);
  assert.equal((await post({})).statusCode, 401);
});

test('an unsupported content type or encoding is a 415, an oversized body a 413, and nothing is stored', async () => {
  const tenant = await t.tenant();
  const token = await t.token('ingest', tenant.id);
  const before = await spanCount();
  const text = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(token), 'content-type': 'text/plain' }, payload: 'spans' });
  assert.equal(text.statusCode, 415);
  assert.match(text.json().message, /application\/json or application\/x-protobuf/);
  const br = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(token), 'content-type': 'application/json', 'content-encoding': 'br' }, payload: '{}' });
  assert.equal(br.statusCode, 415);
  assert.match(br.json().message, /gzip/);
  const big = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(token), 'content-type': 'application/x-protobuf' }, payload: Buffer.alloc(9 * 1024 * 1024) });
  assert.equal(big.statusCode, 413);
  const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20));
  const inflated = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(token), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: bomb });
  assert.equal(inflated.statusCode, 413);
  assert.match(inflated.json().message, /inflates to more than/);
  assert.equal(await spanCount(), before);
});
