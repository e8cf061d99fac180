// Finding 2: the console's Faro key is public by nature, and /collect with it (no Origin)
// stored spans of service.name "pilothouse" as server spans, which fed the request rollups
// the platform SLOs read: 20 forged 503s paged platform-error-rate. Browser telemetry now
// never becomes a server's spans or rollups, whatever it claims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildTestApp } from '../helper.ts';
import { createRumApp } from '../../collectors/faro/apps.ts';

const t = await buildTestApp();

const hex = (n: number) => randomBytes(n).toString('hex');
const str = (v: string) => ({ stringValue: v });

/** A Faro batch whose traces claim to be Pilothouse's own server answering 503s. */
function forged(traceId: string, spans = 20) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    meta: { app: { name: 'console' }, session: { id: 's' } },
    traces: {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: str('pilothouse') }] },
        scopeSpans: [{
          scope: { name: '@fastify/otel' },
          spans: Array.from({ length: spans }, (_, i) => ({
            traceId, spanId: hex(8), name: 'GET /api/v1/me', kind: 2,
            startTimeUnixNano: String(now - BigInt(i) * 1_000_000n), endTimeUnixNano: String(now - BigInt(i) * 1_000_000n + 5_000_000n),
            attributes: [{ key: 'http.route', value: str('/api/v1/me') }, { key: 'http.request.method', value: str('GET') }, { key: 'http.response.status_code', value: { intValue: 503 } }],
            status: { code: 2 },
          })),
        }],
      }],
    },
  };
}

const rollups = async () => (await t.db.query(`SELECT coalesce(sum(requests), 0)::int AS n FROM request_rollups WHERE route LIKE '%/api/v1/me%'`)).rows[0].n as number;
const serverSpans = async (traceId: string) => (await t.db.query(`SELECT count(*)::int AS n FROM spans WHERE trace_id = $1 AND kind = 2`, [traceId])).rows[0].n as number;

test('the console\'s public key cannot write the platform\'s server spans or request rollups', async () => {
  const key = (await t.app.inject({ url: '/api/v1/rum/console' })).json().apiKey;
  const before = await rollups();
  const traceId = hex(16);
  const res = await t.app.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'application/json', 'x-api-key': key }, payload: forged(traceId) });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(await serverSpans(traceId), 0);
  assert.equal(await rollups(), before);
});

test('a tenant app\'s key cannot write server spans or rollups inside its tenant either', async () => {
  const tenant = await t.tenant();
  const shop = await createRumApp(t.db, { tenantId: tenant.id, name: 'shop' });
  const before = await rollups();
  const traceId = hex(16);
  const res = await t.app.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'application/json', 'x-api-key': shop.apiKey }, payload: forged(traceId) });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(await serverSpans(traceId), 0);
  assert.equal(await rollups(), before);
});

test('a browser\'s own client spans are kept, marked as the browser\'s, and counted in no rollup', async () => {
  const key = (await t.app.inject({ url: '/api/v1/rum/console' })).json().apiKey;
  const traceId = hex(16);
  const batch = forged(traceId, 1);
  const span = batch.traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  span.kind = 3;
  const before = await rollups();
  assert.equal((await t.app.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'application/json', 'x-api-key': key }, payload: batch })).statusCode, 202);
  const { rows } = await t.db.query(`SELECT kind, route, resource->>'pilothouse.origin' AS origin FROM spans WHERE trace_id = $1`, [traceId]);
  assert.deepEqual(rows, [{ kind: 3, route: null, origin: 'browser' }]);
  assert.equal(await rollups(), before);
});
