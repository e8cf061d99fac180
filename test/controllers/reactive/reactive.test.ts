// The reactive autoscaler end to end through the real client against the sandbox: a listed
// Deployment scaled up on metrics.k8s.io CPU, held by the scale-up cooldown, scaled up
// again once it has passed; then, with the load gone, the scale-down held first by the
// HPA's 5-minute stabilisation window and then by the 600 s scale-down cooldown, and
// carried out after both. The controller's clock is virtual: minutes pass without sleeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp } from '../../helper.ts';
import { buildRuntime } from '../../../controllers/index.ts';
import { createObject, readObject } from '../../../kube/objects.ts';
import { podMetrics } from '../../../kube/metrics.ts';
import { putTarget } from '../../../controllers/reactive/store.ts';
import { REACTIVE } from '../../../controllers/reactive/reactive.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const t = await buildTestApp();
const cluster = await startTestCluster({
  pools: [{ name: 'eu-west-1-on-demand', region: 'eu-west-1', zones: ['eu-west-1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 2, max: 2, initial: 2 }],
});
const kube = cluster.kube();
const NEVER = '0 0 0 1 1 *';
// The virtual clock runs 10 minutes ahead of the sandbox's, so every pod is past the HPA's
// 5-minute CPU initialisation period (the calculator's tests cover that rule).
const T0 = Date.now() + 10 * 60_000;
let clock = T0;
const at = (seconds: number) => { clock = T0 + seconds * 1000; };
const runtime = buildRuntime({
  db: t.db, kube: cluster.kube(), holder: 'reactive-test', leaseTtlMs: 5_000,
  schedules: { 'workspace-lifecycle': NEVER, 'idle-reaper': NEVER, 'quota-enforcer': NEVER, 'headroom-autoscaler': NEVER, [REACTIVE]: NEVER },
  reactive: { clock: () => new Date(clock) },
});
await runtime.start();
test.after(() => runtime.stop());

const NS = 'platform';
const NAME = 'runtime-api';
// The sandbox's metrics follow the activity set for the pods' workspace label.
const LOAD = 'runtime-api-load';
await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, 1);
await createObject(kube, 'Deployment', {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: NAME, namespace: NS, labels: { app: NAME } },
  spec: {
    replicas: 2, selector: { matchLabels: { app: NAME } },
    template: {
      metadata: { labels: { app: NAME, 'pilothouse.io/workspace': LOAD } },
      spec: { containers: [{ name: 'api', image: 'runtime-api:1', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] },
    },
  },
}, 1);
await putTarget(t.db, { namespace: NS, name: NAME, spec: { minReplicas: 2, maxReplicas: 8, metrics: [{ type: 'Resource', resource: 'cpu', averageUtilization: 30 }] } }, 'test');

const replicas = async () => (await readObject(kube, 'Deployment', NS, NAME))?.spec.replicas as number;
/** every pod of the Deployment ready and reporting metrics at the wanted level */
const settled = (n: number, busy: boolean) => waitFor(`${n} pods reporting ${busy ? 'busy' : 'idle'}`, async () => {
  const items = await podMetrics(kube, NS, `app=${NAME}`);
  const { items: pods } = await kube.core.listNamespacedPod({ namespace: NS, labelSelector: `app=${NAME}` });
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const cpu = items.map((m) => Number(String(m.containers[0].usage.cpu).replace(/n$/, '')) / 1e9);
  return ready.length === n && items.length === n && cpu.every((c) => (busy ? c > 0.4 : c < 0.05));
});
async function run() {
  const r = await runtime.runOnce(REACTIVE);
  assert.equal(r.failed, 0, JSON.stringify(r));
  const { rows: [last] } = await t.db.query(`SELECT decision, reason, inputs, status FROM controller_actions WHERE controller = $1 ORDER BY id DESC LIMIT 1`, [REACTIVE]);
  return { decisions: r.decisions, last };
}

test('scale-up on CPU, held by the 300 s cooldown, then again; scale-down held by the stabilisation window and the 600 s cooldown, then carried out', async () => {
  cluster.api.fleet.metrics.setActivity(LOAD, 1);
  await settled(2, true);

  at(0);
  let r = await run();
  // ~115 % of a 30 % target: ceil(3.8 × 2) = 8, capped without behavior at max(2 × 2, 4).
  assert.equal(await replicas(), 4);
  assert.equal(r.last.decision, `scale ${NS}/${NAME} 2→4`);
  assert.equal(r.last.status, 'applied');
  assert.equal(r.last.inputs.limit, 'ScaleUpLimit');
  assert.ok(r.last.inputs.rawProposal >= 7, `raw proposal ${r.last.inputs.rawProposal}`);
  const pods = r.last.inputs.metrics[0].pods;
  assert.equal(pods.length, 2);
  assert.ok(pods.every((p: { utilization: number }) => p.utilization > 60), 'per-pod utilisation is recorded');

  await settled(4, true);
  at(120);
  r = await run();
  assert.equal(await replicas(), 4, 'no scale-up within 300 s of the last one');
  assert.match(r.last.decision, /^hold platform\/runtime-api at 4 \(wants 8; scale-up cooldown until /);
  assert.equal(r.last.inputs.rule, 'cooldown up');
  at(180);
  await run();
  assert.equal(await replicas(), 4);
  const { rows: [{ holds }] } = await t.db.query(`SELECT count(*)::int AS holds FROM controller_actions WHERE controller = $1 AND decision = $2`, [REACTIVE, r.last.decision]);
  assert.equal(holds, 1, 'the same hold is audited once (a recommendation that changes meanwhile is recorded beside it)');

  at(310);
  r = await run();
  assert.equal(r.last.decision, `scale ${NS}/${NAME} 4→8`);
  assert.equal(r.last.inputs.limit, 'TooManyReplicas');
  assert.equal(await replicas(), 8);
  await settled(8, true);

  // The load goes away.
  cluster.api.fleet.metrics.setActivity(LOAD, 0);
  await settled(8, false);
  at(340);
  r = await run();
  assert.equal(await replicas(), 8, 'the 5-minute window still holds the busy recommendation');
  assert.match(r.last.decision, /^recommend platform\/runtime-api [12] \(keep 8: ScaleDownStabilized\)/);

  at(650);
  r = await run();
  assert.equal(await replicas(), 8, 'the window has passed, but not 600 s since the last scaling');
  assert.match(r.last.decision, /^hold platform\/runtime-api at 8 \(wants 2; scale-down cooldown until /);
  assert.equal(r.last.inputs.stabilization, 'ReadyForNewScale');

  at(911);
  r = await run();
  assert.equal(r.last.decision, `scale ${NS}/${NAME} 8→2`);
  assert.equal(await replicas(), 2);
  assert.equal(r.last.inputs.limit, 'TooFewReplicas', 'held at minReplicas');
  const { rows: events } = await t.db.query(`SELECT from_replicas, to_replicas FROM autoscaling_scale_events WHERE target = $1 ORDER BY at`, [`${NS}/${NAME}`]);
  assert.deepEqual(events.map((e) => [e.from_replicas, e.to_replicas]), [[2, 4], [4, 8], [8, 2]]);
});
