// Finding 9: 500s from a NUL in body strings, JSON config values and keys, query strings and
// OTLP span names; from JSON nested 20,000 deep; from a YAML alias bomb or an unresolved
// alias. Each is a 400 that says what to fix, and nothing is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bearer, buildTestApp } from '../helper.ts';
import { ExportTraceServiceRequest } from '../../collectors/otlp/proto.ts';

const t = await buildTestApp();
const admin = await t.token('admin');
const tenant = await t.tenant();
const json = { ...bearer(admin), 'content-type': 'application/json' };

const refused = (res: { statusCode: number; body: string }, what: string) => {
  assert.equal(res.statusCode, 400, `${what}: ${res.statusCode} ${res.body}`);
  assert.ok(JSON.parse(res.body).message.length > 10, `${what} explains itself`);
};

test('a NUL in body strings, config values and config keys is a 400', async () => {
  const cases: [string, string, string, unknown][] = [
    ['tenant name', 'POST', '/api/v1/tenants', { name: 'a\u0000b' }],
    ['workspace name', 'POST', `/api/v1/tenants/${tenant.id}/workspaces`, { name: 'w\u0000', region: 'eu-west-1' }],
    ['token name', 'POST', `/api/v1/tenants/${tenant.id}/tokens`, { name: 't\u0000', role: 'member' }],
    ['meter unit', 'POST', '/api/v1/meters', { name: 'x.nul', unit: 'u\u0000', aggregation: 'sum' }],
    ['app name', 'POST', `/api/v1/tenants/${tenant.id}/rum/apps`, { name: 'a\u0000' }],
    ['config value', 'PATCH', `/api/v1/tenants/${tenant.id}`, { config: { label: 'v\u0000' } }],
    ['config key', 'PATCH', `/api/v1/tenants/${tenant.id}`, { config: { 'k\u0000': 1 } }],
  ];
  for (const [what, method, url, body] of cases) refused(await t.app.inject({ method: method as 'POST', url, headers: json, payload: JSON.stringify(body) }), what);
});

test('a NUL in a query string is a 400', async () => {
  for (const url of ['/api/v1/workspaces?q=%00', `/api/v1/traces?service=%00`, '/api/v1/controller-actions?target=%00', `/api/v1/tenants/${tenant.id}/workspaces?q=a%00b`]) {
    refused(await t.app.inject({ url, headers: bearer(admin) }), url);
  }
});

test('a NUL in an OTLP span name is refused, as JSON and as protobuf', async () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = randomBytes(16).toString('hex');
  const request = (name: string) => ({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name, kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) }] }] }],
  });
  const asJson = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: json, payload: JSON.stringify(request('a\u0000b')) });
  refused(asJson, 'OTLP/JSON');
  const msg = ExportTraceServiceRequest.fromObject({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(traceId, 'hex'), spanId: randomBytes(8), name: 'a\u0000b', kind: 1, startTimeUnixNano: now.toString(), endTimeUnixNano: (now + 1000n).toString() }] }] }],
  });
  const proto = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { ...bearer(admin), 'content-type': 'application/x-protobuf' }, payload: Buffer.from(ExportTraceServiceRequest.encode(msg).finish()) });
  // OTLP's answer to a span it cannot store: 200 with a partial success naming it.
  assert.ok(proto.statusCode < 500, `protobuf: ${proto.statusCode}`);
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [traceId]);
  assert.equal(rows[0].n, 0);
});

test('JSON nested 20,000 deep is a 400', async () => {
  const deep = `{"name":"x","config":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
  refused(await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: json, payload: deep }), 'deep JSON');
  refused(await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${tenant.id}`, headers: json, payload: `{"config":{"a":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}` }), 'deep objects');
});

test('a YAML alias bomb and an unresolved alias posted as an SLO are 400s', async () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
  const specs: [string, string][] = [['alias bomb', `apiVersion: openslo/v1\nkind: SLO\n${bomb}\n`], ['unresolved alias', 'apiVersion: openslo/v1\nkind: SLO\nmetadata: *nowhere\n']];
  for (const [what, spec] of specs) {
    refused(await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: json, payload: JSON.stringify({ spec }) }), what);
  }
});
