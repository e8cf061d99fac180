// Converting decoded OTLP requests to span rows: exact values, old senders, request routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertRequest, isoMicros } from '../../../collectors/otlp/spans.ts';

const window = { tenantId: null, origin: 'server' as const, oldestStartNs: 0n, newestStartNs: 1n << 62n };
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const one = (span: Record<string, unknown>, resource: unknown[] = []) => ({ resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans: [span] }] }] });
const base = { traceId: TRACE, spanId: 'b7ad6b7169203331', startTimeUnixNano: '1764300000123456789', endTimeUnixNano: '1764300000223456789' };

test('timestamps keep their nanoseconds, and the stored start time its microseconds', () => {
  const [row] = convertRequest(one(base), window).rows;
  assert.equal(row!.startUnixNano, 1764300000123456789n);
  assert.equal(row!.durationNs, 100_000_000n);
  assert.equal(isoMicros(1764300000123456789n), '2025-11-28T03:20:00.123456Z');
});

test('64-bit integers beyond 2^53 stay exact, as decimal strings; smaller ones are numbers', () => {
  const attributes = [
    { key: 'big', value: { intValue: '9223372036854775807' } },
    { key: 'small', value: { intValue: '-42' } },
    { key: 'nan', value: { doubleValue: 'NaN' } },
    { key: 'nested', value: { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ boolValue: true }, {}] } } }] } } },
  ];
  const [row] = convertRequest(one({ ...base, attributes }), window).rows;
  assert.deepEqual(row!.attributes, { big: '9223372036854775807', small: -42, nan: 'NaN', nested: { k: [true, null] } });
});

test('spans of senders from before OTLP 0.15 (instrumentationLibrarySpans) are read', () => {
  const req = { resourceSpans: [{ instrumentationLibrarySpans: [{ instrumentationLibrary: { name: 'old-lib', version: '0.9' }, spans: [base] }] }] };
  const { rows } = convertRequest(req, window);
  assert.deepEqual(rows.map((r) => [r.scope.name, r.scope.version, r.service]), [['old-lib', '0.9', 'unknown_service']]);
});

test('a server span\'s route is its method and http.route (old or new attribute names); 5xx or status error is an error', () => {
  const attrs = (pairs: [string, unknown][]) => pairs.map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } }));
  const rows = convertRequest({ resourceSpans: [{ scopeSpans: [{ spans: [
    { ...base, spanId: '0000000000000001', kind: 2, name: 'GET', attributes: attrs([['http.method', 'GET'], ['http.route', '/a/:id'], ['http.status_code', 503]]) },
    { ...base, spanId: '0000000000000002', kind: 2, name: 'grpc.Health/Check', status: { code: 2 } },
    { ...base, spanId: '0000000000000003', kind: 3, name: 'GET', attributes: attrs([['http.request.method', 'GET'], ['http.route', '/b']]) },
  ] }] }] }, window).rows;
  assert.deepEqual(rows.map((r) => [r.route, r.isError]), [['GET /a/:id', true], ['grpc.Health/Check', true], [null, false]]);
});

test('an all-zero parent id means no parent, and a kind outside 0 to 5 is rejected', () => {
  const { rows, rejected, reasons } = convertRequest({ resourceSpans: [{ scopeSpans: [{ spans: [
    { ...base, parentSpanId: '0000000000000000' },
    { ...base, spanId: '0000000000000009', kind: 9 },
  ] }] }] }, window);
  assert.equal(rows[0]!.parentSpanId, null);
  assert.equal(rejected, 1);
  assert.deepEqual([...reasons.keys()], ['kind must be 0 to 5']);
});
