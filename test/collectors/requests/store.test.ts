// Request rollups in PostgreSQL: exact under concurrent batches, read back per window and
// tenant, and still there after span retention has dropped the spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTestDb } from '../../helper.ts';
import { createTenant } from '../../../tenancy/tenants.ts';
import { ingestTraces } from '../../../collectors/otlp/ingest.ts';
import { requestTotals } from '../../../collectors/requests/store.ts';
import { countAtMost } from '../../../collectors/requests/buckets.ts';
import { applyTelemetryRetention } from '../../../collectors/retention.ts';

const { pool: db } = await createTestDb();
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** An OTLP/JSON request of server spans for one route, each starting at `startMs`. */
function request(route: string, startMs: number, durationsMs: number[], opts: { status?: number; service?: string } = {}) {
  const start = BigInt(startMs) * 1_000_000n;
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: opts.service ?? 'api' } }] },
      scopeSpans: [{
        spans: durationsMs.map((d) => ({
          traceId: hex(16), spanId: hex(8), name: route, kind: 2,
          startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(Math.round(d * 1e6))),
          attributes: [
            { key: 'http.request.method', value: { stringValue: 'GET' } },
            { key: 'http.route', value: { stringValue: route } },
            { key: 'http.response.status_code', value: { intValue: String(opts.status ?? 200) } },
          ],
        })),
      }],
    }],
  };
}

const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
const window = { from: new Date(minute), to: new Date(minute + 60_000) };

test('concurrent batches of distinct spans for the same route and minute add up exactly', async () => {
  const tenant = await createTenant(db, { name: `t-${hex(3)}` });
  await Promise.all(Array.from({ length: 8 }, (_, i) =>
    ingestTraces(db, request('/busy', minute + i * 1000, Array.from({ length: 50 }, (_, k) => (k % 2 ? 80 : 120)), { status: i === 0 ? 500 : 200 }), { tenantId: tenant.id, retentionDays: 7, origin: 'server' })));
  const totals = await requestTotals(db, { tenantId: tenant.id, route: 'GET /busy', ...window });
  assert.equal(totals.requests, 400);
  assert.equal(totals.errors, 50);
  assert.equal(countAtMost(totals.buckets, 100), 200);
  assert.equal(totals.buckets.reduce((a, b) => a + b, 0), 400);
  assert.equal(totals.durationSumNs, 200 * 80e6 + 200 * 120e6);
});

test('totals are read per tenant: the platform and other tenants are apart', async () => {
  const a = await createTenant(db, { name: `a-${hex(3)}` });
  const b = await createTenant(db, { name: `b-${hex(3)}` });
  await ingestTraces(db, request('/shared', minute, [5, 5]), { tenantId: a.id, retentionDays: 7, origin: 'server' });
  await ingestTraces(db, request('/shared', minute, [5]), { tenantId: b.id, retentionDays: 7, origin: 'server' });
  await ingestTraces(db, request('/shared', minute, [5, 5, 5]), { tenantId: null, retentionDays: 7, origin: 'server' });
  const read = async (tenantId: string | null) => (await requestTotals(db, { tenantId, service: 'api', route: 'GET /shared', ...window })).requests;
  assert.deepEqual([await read(a.id), await read(b.id), await read(null)], [2, 1, 3]);
  const empty = await requestTotals(db, { tenantId: a.id, route: 'GET /nothing', ...window });
  assert.equal(empty.requests, 0);
  assert.equal(empty.buckets.length, 20);
});

test('retention drops span partitions older than the window and keeps their rollups', async () => {
  const tenant = await createTenant(db, { name: `r-${hex(3)}` });
  const old = Math.floor((Date.now() - 10 * 86_400_000) / 60_000) * 60_000;
  await ingestTraces(db, request('/old', old, [10, 20, 30]), { tenantId: tenant.id, retentionDays: 30, origin: 'server' });
  await ingestTraces(db, request('/new', minute, [10]), { tenantId: tenant.id, retentionDays: 30, origin: 'server' });
  const { dropped } = await applyTelemetryRetention(db, 7);
  assert.ok(dropped.some((name) => name.startsWith('spans_')), dropped.join(', '));
  const left = await db.query(`SELECT route FROM spans WHERE tenant_id = $1`, [tenant.id]);
  assert.deepEqual(left.rows.map((r) => r.route), ['GET /new']);
  const kept = await requestTotals(db, { tenantId: tenant.id, route: 'GET /old', from: new Date(old), to: new Date(old + 60_000) });
  assert.equal(kept.requests, 3);
});

test('spans older than the retention window are refused rather than written to a dropped day', async () => {
  const tenant = await createTenant(db, { name: `o-${hex(3)}` });
  const old = Date.now() - 10 * 86_400_000;
  const result = await ingestTraces(db, request('/late', old, [1, 2]), { tenantId: tenant.id, retentionDays: 7, origin: 'server' });
  assert.deepEqual([result.stored, result.rejected], [0, 2]);
  assert.match(result.message, /2 spans: span starts before the retention window/);
});
