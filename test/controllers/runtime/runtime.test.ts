// The reconcile runtime with a real controller (the idle reaper) on a real database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildTestApp } from '../../helper.ts';
import { createWorkspace, getWorkspace, transitionWorkspace } from '../../../tenancy/workspaces.ts';
import { ControllerRuntime } from '../../../controllers/runtime/runtime.ts';
import { PgElector } from '../../../controllers/runtime/elector.ts';
import { setSwitch } from '../../../controllers/runtime/settings.ts';
import { createReaperController } from '../../../controllers/reaper/reaper.ts';
import type { BucketConfig } from '../../../controllers/runtime/rate-limit.ts';

const t = await buildTestApp();
let n = 0;

async function idleWorkspace(tenantId: string): Promise<string> {
  const ws = await createWorkspace(t.db, { tenantId, name: `idle-${++n}`, region: 'eu-west-1' });
  await transitionWorkspace(t.db, tenantId, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, tenantId, ws.id, { to: 'running' });
  await t.db.query(`UPDATE workspaces SET running_at = now() - interval '40 minutes', last_activity_at = now() - interval '31 minutes' WHERE id = $1`, [ws.id]);
  return ws.id;
}

function runtime(opts: { lease: string; holder?: string; rate?: BucketConfig; registry?: Registry }): ControllerRuntime {
  const r = new ControllerRuntime({
    db: t.db,
    elector: new PgElector(t.db, opts.lease, opts.holder ?? 'replica-a', 5_000),
    controllers: [createReaperController()],
    registry: opts.registry,
    rates: opts.rate ? { 'idle-reaper': opts.rate } : undefined,
  });
  return r;
}

async function actions(target: string) {
  const { rows } = await t.db.query(`SELECT decision, status, dry_run, epoch, reason FROM controller_actions WHERE target = $1 ORDER BY id`, [target]);
  return rows;
}

test('a run pauses an idle workspace and records why; a second run on the unchanged state does nothing', async () => {
  const tenant = await t.tenant();
  const id = await idleWorkspace(tenant.id);
  const registry = new Registry();
  const r = runtime({ lease: 'rt-1', registry });
  await r.tick();
  const first = await r.runOnce('idle-reaper');
  assert.equal(first.applied, 1);
  assert.equal((await getWorkspace(t.db, tenant.id, id)).state, 'paused');
  const [a] = await actions(id);
  assert.equal(a.status, 'applied');
  assert.equal(a.epoch, 1);
  assert.match(a.reason, /idle for 31 min, past the idle timeout of 30 min/);
  const second = await r.runOnce('idle-reaper');
  assert.deepEqual([second.decisions, second.applied], [0, 0]);
  assert.equal((await actions(id)).length, 1);
  const text = await registry.metrics();
  assert.match(text, /pilothouse_controller_actions_total\{controller="idle-reaper",result="applied"\} 1/);
  assert.match(text, /pilothouse_controller_leader\{lease="rt-1",holder="replica-a"\} 1/);
  assert.match(text, /pilothouse_controller_reconcile_duration_seconds_count\{controller="idle-reaper",outcome="ok"\} 2/);
  await r.stop();
});

test('in dry run the decision is recorded once and nothing is applied', async () => {
  const tenant = await t.tenant();
  const id = await idleWorkspace(tenant.id);
  await setSwitch(t.db, 'idle-reaper', { dryRun: true }, 'test');
  try {
    const r = runtime({ lease: 'rt-2' });
    await r.tick();
    const first = await r.runOnce('idle-reaper');
    const second = await r.runOnce('idle-reaper');
    assert.equal(first.dryRun, 1);
    assert.equal(second.dryRun, 0, 'the same decision is not recorded again on the next run');
    assert.equal((await getWorkspace(t.db, tenant.id, id)).state, 'running');
    assert.deepEqual((await actions(id)).map((a) => [a.status, a.dry_run]), [['dry_run', true]]);
    await r.stop();
  } finally {
    await setSwitch(t.db, 'idle-reaper', { dryRun: false }, 'test');
  }
});

test('the global dry-run switch holds every controller back', async () => {
  const tenant = await t.tenant();
  const id = await idleWorkspace(tenant.id);
  await setSwitch(t.db, '*', { dryRun: true }, 'test');
  try {
    const r = runtime({ lease: 'rt-3' });
    await r.tick();
    await r.runOnce('idle-reaper');
    assert.equal((await getWorkspace(t.db, tenant.id, id)).state, 'running');
    await r.stop();
  } finally {
    await setSwitch(t.db, '*', { dryRun: false }, 'test');
  }
});

test('a paused controller does not run until resumed', async () => {
  const tenant = await t.tenant();
  const id = await idleWorkspace(tenant.id);
  await setSwitch(t.db, 'idle-reaper', { paused: true }, 'test');
  const r = runtime({ lease: 'rt-4' });
  await r.tick();
  assert.equal((await r.runOnce('idle-reaper')).skipped, 'paused');
  assert.equal((await getWorkspace(t.db, tenant.id, id)).state, 'running');
  await setSwitch(t.db, 'idle-reaper', { paused: false }, 'test');
  assert.ok((await r.runOnce('idle-reaper')).applied >= 1);
  assert.equal((await getWorkspace(t.db, tenant.id, id)).state, 'paused');
  await r.stop();
});

test('the rate limit defers actions past the burst to later runs', async () => {
  const tenant = await t.tenant();
  for (let i = 0; i < 3; i++) await idleWorkspace(tenant.id);
  const r = runtime({ lease: 'rt-5', rate: { perMinute: 0.001, burst: 2 } });
  await r.tick();
  const report = await r.runOnce('idle-reaper');
  assert.deepEqual([report.applied, report.deferred], [2, 1]);
  const { rows } = await t.db.query(`SELECT state, count(*)::int AS n FROM workspaces WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`, [tenant.id]);
  assert.deepEqual(rows.map((x) => [x.state, x.n]), [['paused', 2], ['running', 1]]);
  await r.stop();
});

test('a replica that does not hold the lease decides nothing; it takes over once the leader stops', async () => {
  const tenant = await t.tenant();
  const id = await idleWorkspace(tenant.id);
  const a = runtime({ lease: 'rt-6', holder: 'replica-a' });
  const b = runtime({ lease: 'rt-6', holder: 'replica-b' });
  await a.tick();
  await b.tick();
  assert.equal((await b.runOnce('idle-reaper')).skipped, 'not leader');
  assert.equal((await getWorkspace(t.db, tenant.id, id)).state, 'running');
  await a.stop(); // releases the lease at once
  await b.tick();
  assert.equal(b.isLeader(), true);
  assert.equal(b.epoch, 2);
  assert.equal((await b.runOnce('idle-reaper')).applied >= 1, true);
  await b.stop();
});
