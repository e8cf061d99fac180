// Fault drills against the sandbox on an injected clock: a region stops answering and the
// controller fails over within the RTO; a flapping check causes nothing; failback waits for
// its hold-down; failback is manual unless the region allows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../../helper.ts';
import { listFailovers } from '../../../controllers/failover/store.ts';
import { PRIMARY, STANDBY, startDrill } from './harness.ts';

const { pool: db } = await createTestDb();
let lease = 0;

async function reset(): Promise<void> {
  await db.query(`TRUNCATE region_checks, region_failover_requests, region_failovers, regions CASCADE`);
}

async function checksOf(region: string): Promise<{ ok: boolean; at: Date; error: string | null }[]> {
  const { rows } = await db.query(`SELECT ok, at, error FROM region_checks WHERE region = $1 ORDER BY at, id`, [region]);
  return rows;
}

test('a region whose API stops answering is failed over to the standby, with an RTO under 60 s', async () => {
  await reset();
  const d = await startDrill(db, { lease: `drill-${++lease}` });
  await d.step();
  assert.equal(await d.routed(), PRIMARY, 'the first run routes to the first region by priority');
  // A quiet minute: checks every 30 s, nothing switches.
  await d.runUntil(async () => false, 60_000);
  assert.equal(await d.routed(), PRIMARY);
  assert.equal((await listFailovers(db)).length, 0);

  d.down(PRIMARY, 'hang');
  const outageAt = d.now();
  const done = await d.runUntil(async () => (await d.routed()) === STANDBY, 120_000);
  assert.ok(done, 'routing switched to the standby');

  const [fo] = await listFailovers(db);
  assert.ok(fo);
  assert.equal(fo.kind, 'automatic');
  assert.equal(fo.fromRegion, PRIMARY);
  assert.equal(fo.toRegion, STANDBY);
  assert.ok(fo.rtoMs !== null && fo.rtoMs < 60_000, `RTO ${fo.rtoMs} ms`);
  // Three failures at the faster cadence: the first failure, then two re-probes 10 s apart.
  assert.ok(fo.rtoMs >= 20_000, `RTO ${fo.rtoMs} ms spans the two re-probes`);
  assert.equal(fo.switchedAt.getTime() - fo.firstFailedAt!.getTime(), fo.rtoMs);
  assert.ok(fo.firstFailedAt!.getTime() >= outageAt, 'RTO starts at the first failed check, not before');
  const failed = (await checksOf(PRIMARY)).filter((c) => !c.ok);
  assert.equal(failed.length, 3);
  assert.match(failed[0]!.error ?? '', /no answer within 5000 ms/);
  assert.deepEqual(failed.slice(1).map((c, i) => c.at.getTime() - failed[i]!.at.getTime()), [10_000, 10_000]);
  assert.ok(fo.steps.some((s: any) => s.step === 'routing' && s.activeRegion === STANDBY));

  const { rows } = await db.query(`SELECT decision, status FROM controller_actions WHERE controller = 'region-failover' AND target = $1 ORDER BY id`, [STANDBY]);
  assert.deepEqual(rows.map((r) => r.status), ['applied']);
  const metrics = await d.registry.metrics();
  assert.match(metrics, /pilothouse_region_failover_rto_seconds_count 1/);
  assert.match(metrics, /pilothouse_region_failovers_total\{kind="automatic"\} 1/);
  assert.match(metrics, /pilothouse_region_up\{region="eu-west-1"\} 0/);
  assert.match(metrics, /pilothouse_region_active\{region="us-east-1"\} 1/);
  await d.runtime.stop();
});

test('a flapping check (fail, pass, fail, pass…) never fails over', async () => {
  await reset();
  const d = await startDrill(db, { lease: `drill-${++lease}` });
  await d.step();
  assert.equal(await d.routed(), PRIMARY);
  // Flip the region after each of its checks, so its results alternate.
  let seen = (await checksOf(PRIMARY)).length;
  let down = false;
  const flips: boolean[] = [];
  await d.runUntil(async () => {
    const n = (await checksOf(PRIMARY)).length;
    if (n !== seen) {
      seen = n;
      down = !down;
      if (down) d.down(PRIMARY, 'refuse'); else d.up(PRIMARY);
      flips.push(down);
    }
    return false;
  }, 5 * 60_000);
  const results = (await checksOf(PRIMARY)).slice(1).map((c) => c.ok);
  assert.ok(results.length >= 8, `${results.length} checks`);
  for (let i = 1; i < results.length; i++) assert.notEqual(results[i], results[i - 1], 'the checks alternate');
  assert.equal((await listFailovers(db)).length, 0);
  assert.equal(await d.routed(), PRIMARY);
  await d.runtime.stop();
});

test('failback waits for the hold-down and for M good checks', async () => {
  await reset();
  const holdDownMs = 120_000;
  const d = await startDrill(db, { lease: `drill-${++lease}`, autoFailback: true, settings: { holdDownMs, successesToFailback: 3 } });
  await d.step();
  d.down(PRIMARY, 'refuse');
  assert.ok(await d.runUntil(async () => (await d.routed()) === STANDBY, 120_000));
  const failedOverAt = d.now();
  d.up(PRIMARY);
  // The primary is healthy again long before the hold-down ends: no failback yet.
  let backAt: number | null = null;
  await d.runUntil(async () => {
    if ((await d.routed()) === PRIMARY) { backAt = d.now(); return true; }
    return false;
  }, 10 * 60_000);
  assert.ok(backAt !== null, 'failed back in the end');
  assert.ok(backAt - failedOverAt >= holdDownMs, `failback ${backAt - failedOverAt} ms after the failover`);
  const goodBefore = (await checksOf(PRIMARY)).filter((c) => c.ok && c.at.getTime() > failedOverAt && c.at.getTime() < failedOverAt + holdDownMs).length;
  assert.ok(goodBefore >= 3, `${goodBefore} good checks passed within the hold-down, and still it waited`);
  const [back, over] = await listFailovers(db);
  assert.equal(back!.kind, 'failback');
  assert.equal(back!.toRegion, PRIMARY);
  assert.equal(over!.kind, 'automatic');
  assert.ok(back!.switchedAt.getTime() - over!.switchedAt.getTime() >= holdDownMs);
  await d.runtime.stop();
});

test('without automatic failback the recovered primary stays standby', async () => {
  await reset();
  const d = await startDrill(db, { lease: `drill-${++lease}`, settings: { holdDownMs: 60_000, successesToFailback: 2 } });
  await d.step();
  d.down(PRIMARY, 'refuse');
  assert.ok(await d.runUntil(async () => (await d.routed()) === STANDBY, 120_000));
  d.up(PRIMARY);
  await d.runUntil(async () => false, 5 * 60_000, 5_000);
  assert.ok((await checksOf(PRIMARY)).slice(-3).every((c) => c.ok), 'the primary is healthy again');
  assert.equal(await d.routed(), STANDBY);
  assert.equal((await listFailovers(db)).length, 1);
  await d.runtime.stop();
});

test('a region whose SLOs burn faster than the page factor fails its checks though its probe answers, and is failed over', async () => {
  await reset();
  const d = await startDrill(db, { lease: `drill-${++lease}` });
  await db.query(`UPDATE regions SET slos = '{api-eu}' WHERE name = $1`, [PRIMARY]);
  await d.step();
  assert.equal(await d.routed(), PRIMARY);
  // The evaluator's latest word on the region's SLO: the 5-minute window burns at 20×, the hour at 3×.
  const evaluated = (burn: number) => db.query(
    `INSERT INTO slo_evaluations (slo_name, evaluated_at, objective, period_start, period_end, burn_rates, alert) VALUES ('api-eu', $1, 0.999, $1, $1, $2, 'page')`,
    [new Date(d.now()), JSON.stringify([{ windowMs: 300_000, burnRate: burn, bad: 20, total: 1000 }, { windowMs: 3_600_000, burnRate: 3, bad: 30, total: 10000 }])],
  );
  await evaluated(20);
  assert.ok(await d.runUntil(async () => (await d.routed()) === STANDBY, 120_000), 'failed over on the burn rate alone');
  const failed = (await checksOf(PRIMARY)).filter((c) => !c.ok);
  assert.equal(failed.length, 3);
  for (const c of failed) assert.match(c.error ?? '', /SLO burn rate 20\.0 ≥ 14\.4/);
  const { rows } = await db.query(`SELECT bool_and(probe_ok) AS probes FROM region_checks WHERE region = $1`, [PRIMARY]);
  assert.equal(rows[0].probes, true, 'every probe answered');
  await d.runtime.stop();
});
