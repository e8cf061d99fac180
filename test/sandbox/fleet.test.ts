// The simulated fleet behind the sandbox API server, observed through the real client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSandbox, TEST_TIMINGS, type NodePoolSpec, type RunningSandbox } from '../../sandbox/index.ts';
import { eventually } from '../eventually.ts';

const POOLS: NodePoolSpec[] = [
  { name: 'r1-on-demand', region: 'r1', zones: ['r1a'], capacityType: 'on-demand', instanceType: 'm6i.2xlarge', min: 1, max: 2, initial: 1 },
  { name: 'r1-spot', region: 'r1', zones: ['r1a'], capacityType: 'spot', instanceType: 'm6i.2xlarge', min: 0, max: 1, initial: 0 },
];

let sb: RunningSandbox;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let n = 0;

before(async () => {
  sb = await startSandbox({ pools: POOLS, timings: TEST_TIMINGS, seed: 1 });
  core = sb.kubeConfig().makeApiClient(k8s.CoreV1Api);
  apps = sb.kubeConfig().makeApiClient(k8s.AppsV1Api);
});
after(() => sb.close());

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);


async function namespace(): Promise<string> {
  const name = `fleet-${++n}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function workspace(name: string, opts: { cpu?: string; pool?: 'on-demand' | 'spot'; replicas?: number } = {}): k8s.V1Deployment {
  const labels = { 'pilothouse.io/workspace': name };
  const spot = opts.pool === 'spot';
  return {
    metadata: { name, labels },
    spec: {
      replicas: opts.replicas ?? 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { 'topology.kubernetes.io/region': 'r1', 'pilothouse.io/node-pool': opts.pool ?? 'on-demand' },
          ...(spot ? { tolerations: [{ key: 'pilothouse.io/spot', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
          containers: [{ name: 'sandbox', image: 'ghcr.io/openhands/agent-server:1.0', resources: { requests: { cpu: opts.cpu ?? '500m', memory: '3Gi' }, limits: { memory: '3Gi' } } }],
        },
      },
    },
  };
}

const ready = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

test('a deployment\'s pod is created Pending, then runs, then becomes ready after the configured delays', async () => {
  const ns = await namespace();
  const t0 = Date.now();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-a') });
  const pending = await eventually('a pod', async () => (await core.listNamespacedPod({ namespace: ns })).items[0]);
  assert.equal(pending.status?.phase, 'Pending');
  assert.equal(ready(pending), false);
  const running = await eventually('a running pod', async () => (await core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Running' })).items[0]);
  assert.ok(running.spec!.nodeName, 'the pod was bound to a node');
  const readyPod = await eventually('a ready pod', async () => (await core.listNamespacedPod({ namespace: ns })).items.find(ready));
  assert.ok(Date.now() - t0 >= TEST_TIMINGS.startMs[0] + TEST_TIMINGS.readyMs[0], 'readiness took at least the start and ready delays');
  assert.equal(readyPod.metadata!.labels!['pilothouse.io/workspace'], 'ws-a');
  const d = await eventually('deployment ready', async () => {
    const x = await apps.readNamespacedDeployment({ namespace: ns, name: 'ws-a' });
    return x.status?.readyReplicas === 1 && x;
  });
  assert.equal(d.status!.conditions!.find((c) => c.type === 'Available')!.status, 'True');
  assert.equal(d.status!.observedGeneration, d.metadata!.generation);
});

test('pods are owned by a ReplicaSet named after the pod template hash, as the deployment controller does', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-b') });
  const pod = await eventually('a pod', async () => (await core.listNamespacedPod({ namespace: ns })).items[0]);
  const owner = pod.metadata!.ownerReferences![0]!;
  assert.equal(owner.kind, 'ReplicaSet');
  const rs = await apps.readNamespacedReplicaSet({ namespace: ns, name: owner.name });
  assert.equal(rs.metadata!.name, `ws-b-${pod.metadata!.labels!['pod-template-hash']}`);
  assert.match(pod.metadata!.name!, new RegExp(`^${rs.metadata!.name}-[a-z0-9]{5}$`));
});

test('scaling a deployment to 0 through the scale subresource removes its pods', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-c') });
  await eventually('a ready pod', async () => (await core.listNamespacedPod({ namespace: ns })).items.find(ready));
  await apps.patchNamespacedDeploymentScale({ namespace: ns, name: 'ws-c', body: { spec: { replicas: 0 } } }, mergePatch);
  await eventually('no pods', async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0);
  const d = await eventually('status caught up', async () => {
    const x = await apps.readNamespacedDeployment({ namespace: ns, name: 'ws-c' });
    return (x.status?.replicas ?? 0) === 0 && x;
  });
  assert.equal(d.spec!.replicas, 0);
});

test('a pod too big for any node stays Pending with an Unschedulable condition and a FailedScheduling event', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-huge', { cpu: '64' }) });
  const pod = await eventually('unschedulable', async () => (await core.listNamespacedPod({ namespace: ns })).items
    .find((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable')));
  assert.equal(pod.spec!.nodeName, undefined);
  const cond = pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.match(cond.message!, /^0\/\d+ nodes are available: .*Insufficient cpu/);
  const events = await eventually('event', async () => (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pod.metadata!.name},reason=FailedScheduling` })).items[0]);
  assert.equal(events.type, 'Warning');
  await apps.deleteNamespacedDeployment({ namespace: ns, name: 'ws-huge' });
});

test('a spot workspace lands only on a spot node: the autoscaler adds one when none exists', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-spot', { pool: 'spot' }) });
  const pod = await eventually('a ready pod', async () => (await core.listNamespacedPod({ namespace: ns })).items.find(ready), 8000);
  const node = await core.readNode({ name: pod.spec!.nodeName! });
  assert.equal(node.metadata!.labels!['pilothouse.io/node-pool'], 'spot');
  assert.ok(node.spec!.taints!.some((t) => t.key === 'pilothouse.io/spot'));
  assert.ok(Number(node.metadata!.annotations!['pilothouse.io/price-per-hour']) > 0);
  const scaleUp = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'reason=TriggeredScaleUp' });
  assert.equal(scaleUp.items.length, 1);
});

test('when a node goes away its pods are recreated on another node', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-move') });
  const first = await eventually('a ready pod', async () => (await core.listNamespacedPod({ namespace: ns })).items.find(ready));
  // A second on-demand node to move to, then the first one is reclaimed.
  sb.fleet.pools.addNode({ ...POOLS[0]!, max: 3 });
  await core.deleteNode({ name: first.spec!.nodeName! });
  const second = await eventually('a replacement pod', async () => (await core.listNamespacedPod({ namespace: ns })).items
    .find((p) => p.metadata!.uid !== first.metadata!.uid && ready(p)), 8000);
  assert.notEqual(second.spec!.nodeName, first.spec!.nodeName);
});

test('a ResourceQuota that forbids the pod shows as a ReplicaFailure condition on the deployment', async () => {
  const ns = await namespace();
  await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'workspaces' }, spec: { hard: { 'requests.cpu': '250m' } } } });
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-q') });
  const d = await eventually('ReplicaFailure', async () => {
    const x = await apps.readNamespacedDeployment({ namespace: ns, name: 'ws-q' });
    return x.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  });
  assert.equal(d.reason, 'FailedCreate');
  assert.match(d.message!, /exceeded quota: workspaces, requested: requests.cpu=500m, used: requests.cpu=0, limited: requests.cpu=250m/);
  assert.equal((await core.listNamespacedPod({ namespace: ns })).items.length, 0);
});

test('a workspace claim is bound and its disruption budget counts the ready pod', async () => {
  const ns = await namespace();
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'ws-d' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } } });
  const policy = sb.kubeConfig().makeApiClient(k8s.PolicyV1Api);
  await policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: 'ws-d' }, spec: { maxUnavailable: 0, selector: { matchLabels: { 'pilothouse.io/workspace': 'ws-d' } } } } });
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-d') });
  const pvc = await eventually('bound', async () => {
    const x = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'ws-d' });
    return x.status?.phase === 'Bound' && x;
  });
  assert.equal(pvc.status!.capacity!.storage, '10Gi');
  const pdb = await eventually('pdb healthy', async () => {
    const x = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'ws-d' });
    return x.status?.currentHealthy === 1 && x;
  });
  assert.equal(pdb.status!.disruptionsAllowed, 0);
  assert.equal(pdb.status!.expectedPods, 1);
});

test('metrics.k8s.io reports node usage and running pods\' usage, which follows workspace activity', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-m') });
  await eventually('a ready pod', async () => (await core.listNamespacedPod({ namespace: ns })).items.find(ready));
  const metrics = new k8s.Metrics(sb.kubeConfig());
  const nodes = await metrics.getNodeMetrics();
  assert.ok(nodes.items.length >= 1);
  assert.match(nodes.items[0]!.usage.cpu, /^\d+n$/);
  const cpuOf = async () => {
    const pods = await metrics.getPodMetrics(ns);
    const usage = pods.items[0]?.containers[0]?.usage.cpu;
    return usage ? Number(usage.slice(0, -1)) / 1e9 : undefined;
  };
  sb.fleet.metrics.setActivity('ws-m', 0);
  await new Promise((ok) => setTimeout(ok, TEST_TIMINGS.tickMs * 20));
  const idle = await eventually('pod metrics', cpuOf);
  sb.fleet.metrics.setActivity('ws-m', 1);
  await new Promise((ok) => setTimeout(ok, TEST_TIMINGS.tickMs * 20));
  const busy = (await cpuOf())!;
  assert.ok(busy > idle * 3, `busy ${busy} cores vs idle ${idle}`);
});

test('a deleted pod on a node terminates gracefully: it gets a deletionTimestamp, then the kubelet removes it', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-del') });
  const pod = await eventually('a ready pod', async () => (await core.listNamespacedPod({ namespace: ns })).items.find(ready));
  const answer = await core.deleteNamespacedPod({ namespace: ns, name: pod.metadata!.name! });
  assert.ok(answer.metadata!.deletionTimestamp, 'the answer is the pod, terminating');
  await eventually('the pod gone', async () => {
    try { await core.readNamespacedPod({ namespace: ns, name: pod.metadata!.name! }); return false; } catch (err) { return err instanceof k8s.ApiException && err.code === 404; }
  });
  const replacement = await eventually('a replacement', async () => (await core.listNamespacedPod({ namespace: ns })).items.find((p) => p.metadata!.uid !== pod.metadata!.uid));
  assert.ok(replacement.metadata!.name!.startsWith('ws-del-'));
});

test('deleting a namespace marks it Terminating, then removes it and everything in it', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: workspace('ws-ns') });
  await eventually('a pod', async () => (await core.listNamespacedPod({ namespace: ns })).items[0]);
  // The client types the answer as a Status; the API server answers with the Namespace.
  const answer = await core.deleteNamespace({ name: ns }) as unknown as k8s.V1Namespace;
  assert.equal(answer.status?.phase, 'Terminating');
  await eventually('namespace gone', async () => {
    try { await core.readNamespace({ name: ns }); return false; } catch (err) { return err instanceof k8s.ApiException && err.code === 404; }
  });
  assert.equal((await core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items.length, 0);
});
