// OTLP_FORWARD_ENDPOINT and SPAN_STORAGE=none: a front receiver that keeps only the request
// rollups and forwards every export to an OTLP backend. The backend is a real OTLP/HTTP
// receiver (a second Pilothouse, on a database of its own), so what it stores is what an
// OTLP backend would have been sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { buildTestApp } from '../../helper.ts';
import { exporter, recordingProvider, send, SUCCESS } from './exporters.ts';
import { parseHeaders } from '../../../collectors/otlp/forward.ts';

const backend = await buildTestApp();
const backendUrl = await backend.app.listen({ port: 0, host: '127.0.0.1' });
const backendToken = await backend.token('admin');
const front = await buildTestApp({ env: {
  OTLP_FORWARD_ENDPOINT: backendUrl, OTLP_FORWARD_HEADERS: `authorization=Bearer%20${backendToken}`, SPAN_STORAGE: 'none',
} });
const frontUrl = `${await front.app.listen({ port: 0, host: '127.0.0.1' })}/v1/traces`;
const tenant = await front.tenant();
const ingest = await front.token('ingest', tenant.id);

function makeSpans() {
  const { tracer, finished } = recordingProvider('checkout');
  const server = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200 } });
  const client = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT });
  client.end();
  server.end();
  return finished();
}

const count = async (db: typeof front.db, sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0].n as number;

for (const encoding of ['protobuf', 'json'] as const) {
  test(`${encoding}: spans reach the backend, the front keeps only the rollups, and a retry counts nothing twice`, async () => {
    const spans = makeSpans();
    const ids = spans.map((s) => s.spanContext().spanId);
    const exp = exporter(encoding, frontUrl, ingest, encoding === 'json');
    assert.equal((await send(exp, spans)).code, SUCCESS);
    assert.equal((await send(exp, spans)).code, SUCCESS, 'the retry');
    assert.equal(await count(front.db, `SELECT count(*)::int AS n FROM spans`), 0, 'SPAN_STORAGE=none keeps no spans');
    assert.equal(await count(front.db, `SELECT coalesce(sum(requests), 0)::int AS n FROM request_rollups WHERE tenant_id = $1 AND route = 'GET /orders/:id'`, [tenant.id]),
      encoding === 'protobuf' ? 1 : 2, 'each server span counted once (one per test so far)');
    const { rows } = await backend.db.query(`SELECT span_id, name FROM spans WHERE span_id = ANY($1) ORDER BY name`, [ids]);
    assert.deepEqual(rows.map((r) => r.name), ['GET /orders/:id', 'SELECT orders'], 'both spans, once each, at the backend');
    await exp.shutdown();
  });
}

test('a backend that cannot take the batch makes the front answer 503 with Retry-After, so the sender retries', async () => {
  const down = await buildTestApp({ env: { OTLP_FORWARD_ENDPOINT: 'http://127.0.0.1:9', SPAN_STORAGE: 'none' } });
  const token = await down.token('ingest', (await down.tenant()).id);
  const res = await down.app.inject({
    method: 'POST', url: '/v1/traces', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans: [{
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'GET /x', kind: 2,
      startTimeUnixNano: String(BigInt(Date.now() - 1000) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
      attributes: [{ key: 'http.route', value: { stringValue: '/x' } }, { key: 'http.request.method', value: { stringValue: 'GET' } }],
    }] }] }] },
  });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.match(res.json().message, /OTLP backend at http:\/\/127\.0\.0\.1:9\/v1\/traces is unreachable/);
});

test('forward headers are key=value pairs with URL-encoded values; anything else is refused at start', () => {
  assert.deepEqual(parseHeaders('authorization=Bearer%20x, x-scope-orgid=acme'), { authorization: 'Bearer x', 'x-scope-orgid': 'acme' });
  assert.throws(() => parseHeaders('novalue'), /not key=value/);
});
