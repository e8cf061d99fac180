// A Faro batch to rum_events rows: one row per vital, pages grouped without ids, browser
// clocks that are far off replaced by the receive time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageOf, toRumEvents } from '../../../collectors/faro/events.ts';

const now = new Date('2026-11-28T12:00:00Z');
const ctx = { tenantId: null, appId: 'app', now, earliest: new Date('2026-11-21T00:00:00Z') };

test('pages fold ids so that vitals group per page, not per record', () => {
  assert.equal(pageOf('https://x.test/tenants/3f2a8c1e-1b2c-4d5e-8f90-123456789abc/members?tab=1#a'), '/tenants/:id/members');
  assert.equal(pageOf('https://x.test/traces/0af7651916cd43dd8448eb211c80319c'), '/traces/:id');
  assert.equal(pageOf('https://x.test/orders/12345/'), '/orders/:id');
  assert.equal(pageOf('https://x.test/'), '/');
  assert.equal(pageOf(undefined), null);
});

test('a web-vitals measurement becomes one row per vital, the other values kept as details', () => {
  const rows = toRumEvents({ meta: { page: { url: 'https://x.test/usage' } }, measurements: [{ type: 'web-vitals', values: { inp: 120, delta: 40, input_delay: 3 }, timestamp: '2026-11-28T11:59:00Z' }] }, ctx);
  assert.deepEqual(rows.map((r) => [r.kind, r.name, r.value, r.page, r.at]), [['vital', 'inp', 120, '/usage', '2026-11-28T11:59:00.000Z']]);
  assert.deepEqual(rows[0]!.details, { values: { delta: 40, input_delay: 3 } });
});

test('a timestamp from a browser clock far off is replaced by the time of receipt; the session falls back to the header', () => {
  const rows = toRumEvents({ meta: {}, exceptions: [{ type: 'Error', value: 'x', timestamp: '2031-01-01T00:00:00Z' }, { value: 'y', timestamp: 'yesterday' }] }, { ...ctx, sessionHeader: 'sess-9' });
  assert.deepEqual(rows.map((r) => [r.name, r.at, r.sessionId]), [['Error', now.toISOString(), 'sess-9'], ['Error', now.toISOString(), 'sess-9']]);
});
