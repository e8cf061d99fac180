// Spot conversion against the sandbox through the real client: conversion moves a few at a
// time and never past the floor or a PDB; an interruption notice moves every affected replica
// to on-demand before the node's deadline, keeping the floor at every step, and holds the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../../helper.ts';
import { ControllerRuntime } from '../../../controllers/runtime/runtime.ts';
import { PgElector } from '../../../controllers/runtime/elector.ts';
import { createSpotController, SPOT_CONVERTER, templateCapacity } from '../../../controllers/spot/spot.ts';
import { storeCapacityPolicy, defaultCapacityPolicy } from '../../../controllers/capacity/policy.ts';
import { IDLE_PAUSE_CAP_MINUTES, readTunings, setTuning, SPOT_SHARE_BOOST, WARM_POOL_FACTOR } from '../../../controllers/runtime/tunings.ts';
import { COST_GUARD, createCostGuardController } from '../../../controllers/costguard/guard.ts';
import { createObject, listObjects } from '../../../kube/objects.ts';
import { NODE_POOL_LABEL } from '../../../kube/labels.ts';
import { resourceByKey } from '../../../sandbox/k8s/index.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const { pool: db } = await createTestDb();
const APP = 'batch-agent';
const REGION = 'eu-west-1';
const pools = [
  { name: `${REGION}-on-demand`, region: REGION, zones: [`${REGION}a`], capacityType: 'on-demand' as const, instanceType: 'm6i.4xlarge', min: 2, max: 4, initial: 2 },
  { name: `${REGION}-spot`, region: REGION, zones: [`${REGION}a`], capacityType: 'spot' as const, instanceType: 'm6i.4xlarge', min: 2, max: 4, initial: 2 },
];
let leases = 0;

function policy(o: { floor: number; target: number; max: number; moves: number }) {
  const p = defaultCapacityPolicy();
  p.spot = { workloads: [{ name: 'agents', selector: { matchLabels: { app: APP } }, onDemandFloor: o.floor, targetSpotShare: o.target, maxSpotShare: o.max }], movesPerRun: o.moves, holdDownMinutes: 30 };
  return p;
}

function deployment(name: string, capacity: 'spot' | 'on-demand') {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'agents', labels: { app: APP, 'app.kubernetes.io/managed-by': 'pilothouse' } },
    spec: {
      replicas: 1, selector: { matchLabels: { app: APP, unit: name } },
      template: {
        metadata: { labels: { app: APP, unit: name } },
        spec: {
          nodeSelector: { 'topology.kubernetes.io/region': REGION, [NODE_POOL_LABEL]: capacity },
          ...(capacity === 'spot' ? { tolerations: [{ key: 'pilothouse.io/spot', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
          containers: [{ name: 'agent', image: 'agent:1', resources: { requests: { cpu: '1', memory: '2Gi' } } }],
        },
      },
    },
  };
}

async function setup(spot: number, onDemand: number, timings = {}) {
  const cluster = await startTestCluster({ pools, timings: { spotNoticeMs: 120_000, ...timings } });
  const kube = cluster.kube();
  await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'agents' } }, 0);
  const names: string[] = [];
  for (let i = 0; i < spot + onDemand; i++) {
    const name = `agent-${i}`;
    names.push(name);
    await createObject(kube, 'Deployment', deployment(name, i < spot ? 'spot' : 'on-demand'), 0);
  }
  const runtime = new ControllerRuntime({
    db, kube, elector: new PgElector(db, `spot-${++leases}`, 'test', 60_000),
    controllers: [createSpotController({ rates: async () => ({ cpuHour: { onDemand: 0.04, spot: 0.012 }, gbHour: { onDemand: 0.005, spot: 0.0015 } }) })],
  });
  await runtime.tick();
  const state = async () => {
    const ds = await listObjects(kube, 'Deployment', `app=${APP}`);
    return ds.map((d) => ({ name: d.metadata!.name!, capacity: templateCapacity(d.spec.template.spec), ready: d.status?.readyReplicas ?? 0 }));
  };
  await waitFor('every replica ready', async () => (await state()).every((d) => d.ready === 1), 20_000);
  return { cluster, kube, runtime, names, state, run: () => runLeading(runtime, SPOT_CONVERTER) };
}

/** One run, the lease renewed first (a test can outlast its time to live); a skipped run is an error, not a quiet zero. */
async function runLeading(runtime: ControllerRuntime, name: string) {
  await runtime.tick();
  const r = await runtime.runOnce(name);
  if (r.skipped || r.error) throw new Error(`${name}: ${r.skipped ?? r.error}`);
  return r;
}

const podsOn = (cluster: Awaited<ReturnType<typeof setup>>['cluster'], node: string) =>
  cluster.api.server.store.list(resourceByKey('pods'), 'agents').items.filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp);

test('conversion moves a few replicas per run toward the target, never below the on-demand floor nor past a PDB', async () => {
  await db.query(`TRUNCATE capacity_policies, spot_interruptions, controller_tunings`);
  await storeCapacityPolicy(db, policy({ floor: 0.3, target: 0.6, max: 0.7, moves: 2 }), 'test');
  const s = await setup(0, 10);
  // agent-0 is guarded by a budget that allows no disruption.
  await createObject(s.kube, 'PodDisruptionBudget', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'agent-0', namespace: 'agents' }, spec: { minAvailable: 1, selector: { matchLabels: { unit: 'agent-0' } } } }, 0);
  await waitFor('the PDB counted its pod', async () => (await listObjects(s.kube, 'PodDisruptionBudget', ''))[0]?.status?.expectedPods === 1);
  const spotCounts: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await s.run();
    assert.ok(r.applied <= 2, `run ${i} moved ${r.applied}`);
    const st = await s.state();
    const spot = st.filter((d) => d.capacity === 'spot').length;
    spotCounts.push(spot);
    assert.ok(10 - spot >= 3, `on-demand floor kept: ${10 - spot} of 10`);
    assert.ok(spot <= 6, `never past the target: ${spot}`);
    await waitFor('moved replicas ready', async () => (await s.state()).every((d) => d.ready === 1), 20_000);
  }
  assert.deepEqual(spotCounts.slice(0, 3), [2, 4, 6]);
  const st = await s.state();
  assert.equal(st.find((d) => d.name === 'agent-0')!.capacity, 'on-demand', 'the PDB-protected replica stayed');
  // Moved pods run on spot nodes.
  for (const d of st.filter((x) => x.capacity === 'spot')) {
    const pod = s.cluster.api.server.store.list(resourceByKey('pods'), 'agents').items.find((p) => p.metadata.labels?.unit === d.name && !p.metadata.deletionTimestamp)!;
    const node = s.cluster.api.server.store.get(resourceByKey('nodes'), undefined, pod.spec.nodeName);
    assert.equal(node.metadata.labels?.[NODE_POOL_LABEL], 'spot');
  }
  const { rows } = await db.query(`SELECT inputs FROM controller_actions WHERE controller = $1 AND decision LIKE '%on-demand → spot%' ORDER BY id`, [SPOT_CONVERTER]);
  assert.equal(rows.length, 6);
  // 1 CPU × 0.028 + 2 GiB × 0.0035 per hour, for one replica
  for (const r of rows) assert.equal(r.inputs.expectedSavingUsdPerHour, 0.035);
  await s.runtime.stop();
});

test('an interruption notice moves every affected replica to on-demand before the deadline, keeping the floor, and holds the pool', async () => {
  await db.query(`TRUNCATE capacity_policies, spot_interruptions, controller_tunings`);
  await storeCapacityPolicy(db, policy({ floor: 0.3, target: 0.6, max: 0.7, moves: 2 }), 'test');
  const s = await setup(6, 4);
  assert.equal((await s.run()).decisions, 0, 'at the target: nothing to do');
  const store = s.cluster.api.server.store;
  const spotNodes = store.list(resourceByKey('nodes'), undefined).items.filter((n) => n.metadata.labels?.[NODE_POOL_LABEL] === 'spot');
  const node = spotNodes.sort((a, b) => podsOn(s.cluster, b.metadata.name).length - podsOn(s.cluster, a.metadata.name).length)[0]!;
  const affected = podsOn(s.cluster, node.metadata.name).map((p) => p.metadata.labels!.unit);
  assert.ok(affected.length >= 2, `${affected.length} replicas on the reclaimed node`);
  const { deadline } = s.cluster.api.fleet.pools.reclaim(node);

  for (;;) {
    await s.run();
    const st = await s.state();
    assert.ok(st.filter((d) => d.capacity === 'on-demand').length >= 3, 'the floor holds at every step');
    const { rows } = await db.query(`SELECT * FROM spot_interruptions WHERE node = $1`, [node.metadata.name]);
    if (rows[0]?.moved_at) break;
    assert.ok(Date.now() < Date.parse(deadline), 'moved before the deadline');
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const { rows: [rec] } = await db.query(`SELECT * FROM spot_interruptions WHERE node = $1`, [node.metadata.name]);
  assert.ok(rec.moved_at.getTime() < Date.parse(deadline), 'recorded as moved before the deadline');
  assert.equal(rec.took_ms, rec.moved_at.getTime() - rec.noticed_at.getTime());
  assert.equal(rec.deadline.toISOString(), deadline);
  assert.deepEqual([...rec.workloads].sort(), affected.map((u) => `agents/${u}`).sort());
  const st = await s.state();
  for (const u of affected) assert.equal(st.find((d) => d.name === u)!.capacity, 'on-demand');
  assert.equal(podsOn(s.cluster, node.metadata.name).length, 0, 'nothing left on the node');
  // The pool is held down: below target now, but no conversion back to spot.
  for (let i = 0; i < 3; i++) assert.equal((await s.run()).applied, 0);
  assert.equal((await s.state()).filter((d) => d.capacity === 'spot').length, 6 - affected.length);
  await s.runtime.stop();
});

test('a raised spot target (the cost guard\'s boost) converts more, up to the maximum; cleared, it moves them back', async () => {
  await db.query(`TRUNCATE capacity_policies, spot_interruptions, controller_tunings`);
  await storeCapacityPolicy(db, policy({ floor: 0.3, target: 0.4, max: 0.7, moves: 10 }), 'test');
  const s = await setup(4, 6);
  assert.equal((await s.run()).applied, 0);
  await setTuning(db, SPOT_SHARE_BOOST, 0.5, 'cost-guard', 'test');
  await s.run();
  assert.equal((await s.state()).filter((d) => d.capacity === 'spot').length, 7, 'raised to the maximum 0.7, not 0.9');
  await waitFor('moved replicas ready', async () => (await s.state()).every((d) => d.ready === 1), 20_000);
  await setTuning(db, SPOT_SHARE_BOOST, null, 'cost-guard', 'test');
  await s.run();
  assert.equal((await s.state()).filter((d) => d.capacity === 'spot').length, 4, 'back to the target 0.4');
  await s.runtime.stop();
});

test('the cost guard raises the spot share while the day\'s forecast passes the limit, and lowers it when the forecast falls back', async () => {
  await db.query(`TRUNCATE capacity_policies, spot_interruptions, controller_tunings`);
  const p = policy({ floor: 0.3, target: 0.4, max: 0.6, moves: 10 });
  p.costGuard = { dailyLimitUsd: 1000, spotShareStep: 0.1, idlePause: { minMinutes: 10, stepMinutes: 10 }, warmPool: { minFactor: 0.5, step: 0.25 }, undoBelow: 0.1 };
  await storeCapacityPolicy(db, p, 'test');
  const s = await setup(4, 6);
  let now = Date.parse('2026-12-03T12:00:00Z');
  let cost = { soFarUsd: 400, ratePerHourUsd: 60 }; // forecast 400 + 60 × 12 h = 1,120 USD
  const guard = new ControllerRuntime({
    db, elector: new PgElector(db, `guard-${++leases}`, 'test', 60_000),
    controllers: [createCostGuardController({ clock: () => now, cost: async () => cost })],
  });
  await guard.tick();
  const spotShare = async () => (await s.state()).filter((d) => d.capacity === 'spot').length;
  const seen: { boost: number | null; spot: number }[] = [];
  const tick = async () => {
    now += 5 * 60_000;
    const r = await runLeading(guard, COST_GUARD);
    assert.equal(r.failed, 0);
    await s.run();
    await waitFor('moved replicas ready', async () => (await s.state()).every((d) => d.ready === 1), 20_000);
    seen.push({ boost: (await readTunings(db)).get(SPOT_SHARE_BOOST)?.value ?? null, spot: await spotShare() });
  };
  for (let i = 0; i < 6; i++) await tick();
  assert.deepEqual(seen.slice(0, 2), [{ boost: 0.1, spot: 5 }, { boost: 0.2, spot: 6 }], 'the spot share goes up first, to its maximum');
  const tunings = await readTunings(db);
  assert.equal(tunings.get(IDLE_PAUSE_CAP_MINUTES)?.value, 10, 'then the idle pause is shortened to its bound');
  assert.equal(tunings.get(WARM_POOL_FACTOR)?.value, 0.5, 'then the warm pool shrinks to its bound');
  assert.ok(seen.every((x) => x.spot <= 6));

  cost = { soFarUsd: 500, ratePerHourUsd: 20 }; // about 700 USD: under 900, the limit less 10 %
  seen.length = 0;
  for (let i = 0; i < 6; i++) await tick();
  assert.deepEqual(seen.map((x) => x.boost), [0.2, 0.2, 0.2, 0.2, 0.1, null], 'undone in reverse order: warm pool, idle pause, then the spot share');
  assert.deepEqual(seen.slice(-2).map((x) => x.spot), [5, 4]);
  assert.equal((await readTunings(db)).size, 0, 'every measure undone');
  const { rows } = await db.query(`SELECT decision FROM controller_actions WHERE controller = $1 AND status = 'applied' ORDER BY id`, [COST_GUARD]);
  assert.equal(rows.length, 12);
  await guard.stop();
  await s.runtime.stop();
});
