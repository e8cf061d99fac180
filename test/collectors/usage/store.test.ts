// The write path under the ingest API: keys decide what is new, whichever way they went in
// (the COPY fast path, or ON CONFLICT after a conflict), and the rollup hours are marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp } from '../../helper.ts';
import { writeEvents } from '../../../collectors/usage/store.ts';
import type { UsageEvent } from '../../../collectors/usage/validate.ts';

const t = await buildTestApp();

const events = (n: number, from = 0): UsageEvent[] => Array.from({ length: n }, (_, i) => ({
  time: new Date(Date.now() - 60_000 - (from + i) * 1000), meter: 'api.calls', quantity: '1', source: '/store-test',
  id: `ev-${from + i}`, subject: null, dimensions: { route: '/x' },
}));

async function storedCount(tenantId: string): Promise<number> {
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM usage_events WHERE tenant_id = $1', [tenantId]);
  return rows[0].n;
}

test('a batch of new events is stored whole and every event is reported as new', async () => {
  const tenant = await t.tenant();
  const { stored } = await writeEvents(t.db, tenant.id, events(50));
  assert.deepEqual(stored, new Array(50).fill(true));
  assert.equal(await storedCount(tenant.id), 50);
});

test('a batch mixing stored and new events stores only the new ones and reports the others as taken', async () => {
  const tenant = await t.tenant();
  await writeEvents(t.db, tenant.id, events(10, 0));
  const { stored } = await writeEvents(t.db, tenant.id, events(20, 5));
  assert.deepEqual(stored, [...new Array(5).fill(false), ...new Array(15).fill(true)]);
  assert.equal(await storedCount(tenant.id), 25);
});

test('identical batches written at the same moment are stored once between them', async () => {
  const tenant = await t.tenant();
  const batch = events(200);
  const results = await Promise.all([1, 2, 3, 4].map(() => writeEvents(t.db, tenant.id, batch)));
  const newPerEvent = batch.map((_, i) => results.filter((r) => r.stored[i]).length);
  assert.deepEqual(newPerEvent, new Array(200).fill(1));
  assert.equal(await storedCount(tenant.id), 200);
});

test('the hours of the stored events are marked for their rollup, in the same transaction', async () => {
  const tenant = await t.tenant();
  const batch = events(3).map((e, i) => ({ ...e, time: new Date(Date.UTC(2026, 10, 28, 1 + i, 30)) }));
  await writeEvents(t.db, tenant.id, batch);
  const { rows } = await t.db.query('SELECT DISTINCT hour FROM usage_dirty_hours WHERE tenant_id = $1 ORDER BY hour', [tenant.id]);
  assert.deepEqual(rows.map((r) => r.hour.toISOString()), ['2026-11-28T01:00:00.000Z', '2026-11-28T02:00:00.000Z', '2026-11-28T03:00:00.000Z']);
});

test('a write that fails for another reason than a taken key stores nothing, keys included', async () => {
  const tenant = await t.tenant();
  const bad = [...events(3), { ...events(1, 3)[0]!, quantity: 'not a number' }];
  await assert.rejects(writeEvents(t.db, tenant.id, bad));
  assert.equal(await storedCount(tenant.id), 0);
  // The keys went back with the events: the same ids are new on the next try.
  const { stored } = await writeEvents(t.db, tenant.id, events(4));
  assert.deepEqual(stored, [true, true, true, true]);
});

