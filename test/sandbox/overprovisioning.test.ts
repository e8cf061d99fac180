// Pod priority and preemption in the simulated fleet, observed through the real client: the
// over-provisioning pattern (low-priority placeholders keep room; a workspace preempts one;
// the cluster autoscaler adds a node for the evicted placeholder). Each test has its own
// region (one pool), so nodes are not shared between tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSandbox, TEST_TIMINGS, type NodePoolSpec, type RunningSandbox } from '../../sandbox/index.ts';
import type { WatchEvent } from '../../sandbox/k8s/index.ts';
import { eventually } from '../eventually.ts';

const pool = (region: string, sizes: Partial<NodePoolSpec> = {}): NodePoolSpec =>
  ({ name: `${region}-on-demand`, region, zones: [`${region}a`], capacityType: 'on-demand', instanceType: 'm6i.2xlarge', min: 1, max: 1, initial: 1, ...sizes });

const POOLS = {
  preempt: pool('preempt'),
  recreate: pool('recreate'),
  never: pool('never'),
  equal: pool('equal'),
  grace: pool('grace'),
  scaleUp: pool('scale-up', { max: 2 }),
  expendable: pool('expendable', { max: 2 }),
  drained: pool('drained', { min: 0, initial: 0 }),
  kept: pool('kept', { min: 0, initial: 0 }),
};

let sb: RunningSandbox;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let n = 0;

before(async () => {
  sb = await startSandbox({ pools: Object.values(POOLS), timings: TEST_TIMINGS, seed: 3 });
  core = sb.kubeConfig().makeApiClient(k8s.CoreV1Api);
  apps = sb.kubeConfig().makeApiClient(k8s.AppsV1Api);
  const scheduling = sb.kubeConfig().makeApiClient(k8s.SchedulingV1Api);
  // As in the cluster autoscaler's overprovisioning recipe: placeholders at -10, never preempting.
  await scheduling.createPriorityClass({ body: { metadata: { name: 'headroom' }, value: -10, preemptionPolicy: 'Never' } });
  await scheduling.createPriorityClass({ body: { metadata: { name: 'batch' }, value: 1000, preemptionPolicy: 'Never' } });
  await scheduling.createPriorityClass({ body: { metadata: { name: 'expendable' }, value: -11, preemptionPolicy: 'Never' } });
});
after(() => sb.close());


const ticks = (k: number) => new Promise((ok) => setTimeout(ok, TEST_TIMINGS.tickMs * k));

async function namespace(): Promise<string> {
  const name = `preempt-${++n}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function deployment(name: string, region: string, cpu: string, opts: { replicas?: number; priorityClassName?: string; grace?: number } = {}): k8s.V1Deployment {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          ...(opts.priorityClassName ? { priorityClassName: opts.priorityClassName } : {}),
          terminationGracePeriodSeconds: opts.grace ?? 0,
          nodeSelector: { 'topology.kubernetes.io/region': region },
          containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory: '1Gi' } } }],
        },
      },
    },
  };
}

const podsOf = async (ns: string, app: string) => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
const running = (p: k8s.V1Pod) => p.status?.phase === 'Running';
const scheduledCondition = (p: k8s.V1Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');
const nodesOf = async (region: string) => (await core.listNode({ labelSelector: `topology.kubernetes.io/region=${region}` })).items;
const eventsOf = async (ns: string, reason: string) => (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `reason=${reason}` })).items;

/**
 * An m6i.2xlarge node (7.9 CPU allocatable) with two 3-CPU pods of `app` running on it:
 * 1.9 CPU left, so a 3-CPU pod fits only by evicting one of them. `null`: no PriorityClass (0).
 */
async function fullNode(ns: string, region: string, app = 'placeholder', priorityClassName: string | null = 'headroom', grace = 0) {
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment(app, region, '3', { replicas: 2, priorityClassName: priorityClassName ?? undefined, grace }) });
  const pods = await eventually(`${app} running`, async () => {
    const ps = await podsOf(ns, app);
    return ps.length === 2 && ps.every(running) && ps;
  });
  const [node] = await nodesOf(region);
  assert.ok(pods.every((p) => p.spec!.nodeName === node!.metadata!.name), 'both fill the region\'s one node');
  return { node: node!.metadata!.name!, pods };
}

test('a workspace pod on a full node preempts one placeholder, records Preempted on it, and runs on that node', async () => {
  const ns = await namespace();
  const { node, pods: before } = await fullNode(ns, POOLS.preempt.region);
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('workspace', POOLS.preempt.region, '3') });
  const ws = await eventually('the workspace running', async () => (await podsOf(ns, 'workspace')).find(running));
  assert.equal(ws.spec!.nodeName, node);
  assert.equal(ws.status!.nominatedNodeName, node, 'the scheduler nominated the node before binding');
  const preempted = await eventsOf(ns, 'Preempted');
  assert.equal(preempted.length, 1, 'one placeholder was enough');
  const [event] = preempted;
  assert.equal(event!.message, `Preempted by pod ${ws.metadata!.uid} on node ${node}`);
  assert.equal(event!.related?.uid, ws.metadata!.uid);
  assert.equal(event!.reportingComponent, 'default-scheduler');
  const victim = before.find((p) => p.metadata!.uid === event!.involvedObject.uid)!;
  assert.ok(victim, 'the event is about one of the placeholders');
  const survivor = before.find((p) => p !== victim)!;
  assert.ok(running(await core.readNamespacedPod({ namespace: ns, name: survivor.metadata!.name! })), 'the other placeholder runs on');
  await assert.rejects(core.readNamespacedPod({ namespace: ns, name: victim.metadata!.name! }), (err: unknown) => err instanceof k8s.ApiException && err.code === 404);
});

test('the preempted placeholder is re-created by its ReplicaSet and waits Pending, Unschedulable, without preempting in turn', async () => {
  const ns = await namespace();
  const { pods: before } = await fullNode(ns, POOLS.recreate.region);
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('workspace', POOLS.recreate.region, '3') });
  await eventually('the workspace running', async () => (await podsOf(ns, 'workspace')).find(running));
  const fresh = await eventually('a re-created placeholder', async () => (await podsOf(ns, 'placeholder'))
    .find((p) => !before.some((b) => b.metadata!.uid === p.metadata!.uid) && scheduledCondition(p)?.reason === 'Unschedulable'));
  assert.equal(fresh.spec!.nodeName, undefined);
  assert.equal(fresh.status!.phase, 'Pending');
  assert.equal(fresh.spec!.priority, -10);
  assert.match(scheduledCondition(fresh)!.message!, /^0\/\d+ nodes are available: .*1 Insufficient cpu.*\. preemption: not eligible due to preemptionPolicy=Never\.\.$/);
  assert.equal((await podsOf(ns, 'placeholder')).length, 2, 'the Deployment keeps its two replicas');
  assert.equal((await eventsOf(ns, 'Preempted')).length, 1);
});

test('a pod whose PriorityClass has preemptionPolicy Never waits rather than preempt lower-priority pods', async () => {
  const ns = await namespace();
  const { pods: before } = await fullNode(ns, POOLS.never.region);
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('batch', POOLS.never.region, '3', { priorityClassName: 'batch' }) });
  const waiting = await eventually('the batch pod unschedulable', async () => (await podsOf(ns, 'batch')).find((p) => scheduledCondition(p)?.reason === 'Unschedulable'));
  assert.equal(waiting.spec!.priority, 1000);
  assert.match(scheduledCondition(waiting)!.message!, /1 Insufficient cpu.*\. preemption: not eligible due to preemptionPolicy=Never\.\.$/);
  await ticks(10);
  assert.equal((await eventsOf(ns, 'Preempted')).length, 0);
  const now = await podsOf(ns, 'placeholder');
  assert.deepEqual(now.map((p) => p.metadata!.uid).sort(), before.map((p) => p.metadata!.uid).sort(), 'no placeholder was touched');
  assert.equal((await podsOf(ns, 'batch'))[0]!.status?.nominatedNodeName, undefined);
});

test('pods of equal priority are never victims: the pod waits and the scheduler says no victims were found', async () => {
  const ns = await namespace();
  const { pods: before } = await fullNode(ns, POOLS.equal.region, 'web', null);
  assert.ok(before.every((p) => p.spec!.priority === 0));
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('workspace', POOLS.equal.region, '3') });
  const waiting = await eventually('the workspace unschedulable', async () => (await podsOf(ns, 'workspace')).find((p) => scheduledCondition(p)?.reason === 'Unschedulable'));
  const message = scheduledCondition(waiting)!.message!;
  assert.match(message, /\. preemption: 0\/\d+ nodes are available: /);
  assert.match(message, /[ ,]1 No preemption victims found for incoming pod[,.]/);
  assert.match(message, /\d+ Preemption is not helpful for scheduling[,.]/, 'the other regions\' nodes fail on the node selector, which eviction cannot cure');
  assert.ok(message.endsWith('..'));
  await ticks(10);
  assert.equal((await eventsOf(ns, 'Preempted')).length, 0);
  assert.equal((await podsOf(ns, 'web')).filter(running).length, 2);
});

test('a victim with a grace period is marked DisruptionTarget and terminates first; the preemptor, nominated meanwhile, binds after it is gone', async () => {
  const ns = await namespace();
  const seen: WatchEvent[] = [];
  const record = (ev: WatchEvent) => { if (ev.resource === 'pods' && ev.object.metadata.namespace === ns) seen.push(structuredClone(ev)); };
  sb.server.store.events.on('event', record);
  try {
    await fullNode(ns, POOLS.grace.region, 'placeholder', 'headroom', 30);
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('workspace', POOLS.grace.region, '3') });
    const ws = await eventually('the workspace running', async () => (await podsOf(ns, 'workspace')).find(running));
    const [event] = await eventsOf(ns, 'Preempted');
    const victimUid = event!.involvedObject.uid;
    const terminating = seen.find((e) => e.object.metadata.uid === victimUid && e.object.metadata.deletionTimestamp);
    assert.ok(terminating, 'the victim terminated gracefully');
    const target = terminating.object.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
    assert.deepEqual({ status: target.status, reason: target.reason, message: target.message },
      { status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' });
    const gone = seen.find((e) => e.type === 'DELETED' && e.object.metadata.uid === victimUid)!;
    const nominated = seen.find((e) => e.object.metadata.uid === ws.metadata!.uid && e.object.status?.nominatedNodeName && !e.object.spec.nodeName)!;
    const bound = seen.find((e) => e.object.metadata.uid === ws.metadata!.uid && e.object.spec.nodeName)!;
    assert.ok(nominated.resourceVersion < gone.resourceVersion, 'nominated while the victim was still terminating');
    assert.ok(gone.resourceVersion < bound.resourceVersion, 'bound only after the victim was gone');
    assert.equal(bound.object.spec.nodeName, nominated.object.status.nominatedNodeName);
  } finally {
    sb.server.store.events.off('event', record);
  }
});

test('the cluster autoscaler adds a node for the re-created placeholder (priority -10 is not expendable), and it runs there', async () => {
  const ns = await namespace();
  const { node } = await fullNode(ns, POOLS.scaleUp.region);
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('workspace', POOLS.scaleUp.region, '3') });
  const ws = await eventually('the workspace running', async () => (await podsOf(ns, 'workspace')).find(running));
  assert.equal(ws.spec!.nodeName, node, 'the workspace did not wait for a node');
  const moved = await eventually('a placeholder running on a new node', async () => (await podsOf(ns, 'placeholder'))
    .find((p) => running(p) && p.spec!.nodeName !== node), 8000);
  const nodes = await nodesOf(POOLS.scaleUp.region);
  assert.equal(nodes.length, 2);
  assert.ok(nodes.some((x) => x.metadata!.name === moved.spec!.nodeName));
  const [scaleUp] = await eventsOf(ns, 'TriggeredScaleUp');
  assert.ok(scaleUp, 'the pending placeholder triggered the scale-up');
  assert.match(scaleUp.message!, /pod triggered scale-up: \[\{scale-up-on-demand 1->2 \(max: 2\)\}\]/);
});

test('a pod below the expendable cutoff (-11) that fits no node does not make the cluster autoscaler add one', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('spare', POOLS.expendable.region, '5', { replicas: 2, priorityClassName: 'expendable' }) });
  const waiting = await eventually('one spare pod unschedulable', async () => (await podsOf(ns, 'spare')).find((p) => scheduledCondition(p)?.reason === 'Unschedulable'));
  assert.equal(waiting.spec!.priority, -11);
  // Past the scale-up delay and a node's provisioning time, several times over.
  await new Promise((ok) => setTimeout(ok, 3 * (TEST_TIMINGS.scaleUpDelayMs + TEST_TIMINGS.nodeProvisionMs)));
  assert.equal((await eventsOf(ns, 'TriggeredScaleUp')).length, 0);
  assert.equal((await nodesOf(POOLS.expendable.region)).length, 1);
});

test('a node running only expendable pods is scaled down, as though it were empty', async () => {
  const ns = await namespace();
  const node = sb.fleet.pools.addNode(POOLS.drained);
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('spare', POOLS.drained.region, '1', { priorityClassName: 'expendable' }) });
  const pod = await eventually('the spare pod bound', async () => (await podsOf(ns, 'spare')).find((p) => p.spec?.nodeName));
  assert.equal(pod.spec!.nodeName, node.metadata.name);
  await eventually('the node removed', async () => (await nodesOf(POOLS.drained.region)).length === 0, 3000);
});

test('a node running a placeholder at the cutoff (-10) is kept', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('placeholder', POOLS.kept.region, '1', { priorityClassName: 'headroom' }) });
  // The pool starts empty: the placeholder itself brings the node.
  const pod = await eventually('the placeholder running', async () => (await podsOf(ns, 'placeholder')).find(running), 8000);
  await new Promise((ok) => setTimeout(ok, 3 * TEST_TIMINGS.scaleDownAfterMs));
  const nodes = await nodesOf(POOLS.kept.region);
  assert.deepEqual(nodes.map((x) => x.metadata!.name), [pod.spec!.nodeName]);
});

test('a Deployment whose template names a missing PriorityClass gets no pods: FailedCreate with the admission message', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('orphan', POOLS.preempt.region, '1', { priorityClassName: 'missing' }) });
  const failure = await eventually('ReplicaFailure', async () => (await apps.readNamespacedDeployment({ namespace: ns, name: 'orphan' })).status?.conditions?.find((c) => c.type === 'ReplicaFailure'));
  assert.equal(failure.reason, 'FailedCreate');
  assert.match(failure.message!, /^pods "orphan-[a-z0-9]+-" is forbidden: no PriorityClass with name missing was found$/);
  const [event] = await eventsOf(ns, 'FailedCreate');
  assert.equal(event!.involvedObject.kind, 'ReplicaSet');
  assert.match(event!.message!, /^Error creating: pods "orphan-[a-z0-9]+-" is forbidden: no PriorityClass with name missing was found$/);
  assert.equal((await podsOf(ns, 'orphan')).length, 0);
});
