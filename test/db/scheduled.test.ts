// A scheduled job fired by every replica runs once per period.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../helper.ts';
import { periodStart, runOncePerPeriod } from '../../db/scheduled.ts';

const { pool: db } = await createTestDb();
const MINUTE = 60_000;

test('three replicas firing in the same minute: one runs the job, two skip and name who ran it', async () => {
  const now = new Date('2026-12-03T10:00:30Z');
  let runs = 0;
  const outcomes = await Promise.all(['a', 'b', 'c'].map((holder) =>
    runOncePerPeriod(db, 'job-1', MINUTE, async () => ++runs, { now, holder })));
  assert.equal(runs, 1);
  const ran = outcomes.filter((o) => o.ran);
  assert.equal(ran.length, 1);
  const skipped = outcomes.filter((o) => !o.ran) as { holder: string }[];
  assert.equal(skipped.length, 2);
  const { rows } = await db.query(`SELECT holder FROM scheduled_runs WHERE job = 'job-1'`);
  for (const s of skipped) assert.equal(s.holder, rows[0].holder);
});

test('the next period runs again, and a clock a few seconds apart still lands in the same period', async () => {
  let runs = 0;
  await runOncePerPeriod(db, 'job-2', MINUTE, async () => ++runs, { now: new Date('2026-12-03T10:00:01Z'), holder: 'a' });
  await runOncePerPeriod(db, 'job-2', MINUTE, async () => ++runs, { now: new Date('2026-12-03T10:00:04Z'), holder: 'b' });
  await runOncePerPeriod(db, 'job-2', MINUTE, async () => ++runs, { now: new Date('2026-12-03T10:01:00Z'), holder: 'b' });
  assert.equal(runs, 2);
});

test('a failed run is recorded with its error and not retried by another replica in that period', async () => {
  const now = new Date('2026-12-03T11:00:00Z');
  await assert.rejects(runOncePerPeriod(db, 'job-3', MINUTE, async () => { throw new Error('source down'); }, { now, holder: 'a' }), /source down/);
  const again = await runOncePerPeriod(db, 'job-3', MINUTE, async () => 1, { now, holder: 'b' });
  assert.equal(again.ran, false);
  const { rows } = await db.query(`SELECT error, finished_at FROM scheduled_runs WHERE job = 'job-3'`);
  assert.equal(rows[0].error, 'source down');
  assert.ok(rows[0].finished_at);
});

test('claims older than a week are pruned by the next claim of the job', async () => {
  await runOncePerPeriod(db, 'job-4', MINUTE, async () => 1, { now: new Date('2026-11-01T00:00:00Z') });
  await runOncePerPeriod(db, 'job-4', MINUTE, async () => 1, { now: new Date('2026-12-01T00:00:00Z') });
  const { rows } = await db.query(`SELECT period FROM scheduled_runs WHERE job = 'job-4'`);
  assert.deepEqual(rows.map((r) => r.period.toISOString()), ['2026-12-01T00:00:00.000Z']);
  assert.equal(periodStart(new Date('2026-12-03T10:59:59.999Z'), 3_600_000).toISOString(), '2026-12-03T10:00:00.000Z');
});
