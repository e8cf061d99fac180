// Overload: past the in-flight limit, ingestion answers 429 with Retry-After at once instead
// of queueing; the refused batch stores nothing and its retry is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp } from '../../helper.ts';
import { postBatch, usageEvent, collector } from './fixtures.ts';

const t = await buildTestApp({ env: { USAGE_MAX_IN_FLIGHT: '1' } });
const tenant = await t.tenant();
const ingest = await collector(t, tenant.id);

test('a request beyond the in-flight limit gets 429 with Retry-After, and its retry succeeds', async () => {
  // Hold the key table so the first batch stays in flight.
  const blocker = await t.db.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE usage_event_keys IN ACCESS EXCLUSIVE MODE');
  const first = postBatch(t.app, ingest, [usageEvent({ source: '/first' })]);
  for (let i = 0; i < 200; i++) {
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO usage_event_keys%'`);
    if (rows[0].n > 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const second = usageEvent({ source: '/second' });
  const refused = await postBatch(t.app, ingest, [second]);
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.headers['retry-after'], '1');
  assert.match(refused.json().message, /retry the same batch/);

  await blocker.query('COMMIT');
  blocker.release();
  assert.equal((await first).json().accepted, 1);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM usage_events WHERE source = '/second'`);
  assert.equal(rows[0].n, 0, 'the refused batch stored nothing');
  const retried = await postBatch(t.app, ingest, [second]);
  assert.equal(retried.json().accepted, 1);
  const metrics = (await t.app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /pilothouse_usage_requests_refused_total 1/);
  assert.match(metrics, /pilothouse_usage_ingest_in_flight 0/);
});
