// Cordon and drain through the real client against the sandbox: the node is cordoned, pods
// are evicted through the Eviction API, and a PodDisruptionBudget that allows no disruption
// keeps its pod (429), as `kubectl drain` meets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, waitFor } from '../controllers/cluster.ts';
import { drainNode } from '../../kube/drain.ts';

const cluster = await startTestCluster();
const kube = cluster.kube({ retries: 1 });

test('draining a node cordons it, evicts what its budgets allow and reports the pod a budget protects', async () => {
  await kube.core.createNamespace({ body: { metadata: { name: 'drain' } } });
  for (const name of ['free', 'guarded']) {
    await kube.apps.createNamespacedDeployment({ namespace: 'drain', body: {
      metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu: '100m' } } }] } } },
    } });
  }
  await kube.policy.createNamespacedPodDisruptionBudget({ namespace: 'drain', body: { metadata: { name: 'guarded' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'guarded' } } } } });
  const pods = await waitFor('both pods ready', async () => {
    const items = (await kube.core.listNamespacedPod({ namespace: 'drain' })).items;
    return items.length === 2 && items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) && items;
  });
  const guarded = pods.find((p) => p.metadata?.labels?.app === 'guarded')!;
  const node = guarded.spec!.nodeName!;
  const r = await drainNode(kube, node, 1);
  assert.equal(r.cordoned, true);
  assert.equal((await kube.core.readNode({ name: node })).spec?.unschedulable, true);
  assert.ok(r.blocked.includes(`drain/${guarded.metadata!.name}`), JSON.stringify(r));
  assert.ok(!r.evicted.includes(`drain/${guarded.metadata!.name}`));
  const free = pods.find((p) => p.metadata?.labels?.app === 'free')!;
  if (free.spec?.nodeName === node) assert.ok(r.evicted.includes(`drain/${free.metadata!.name}`));
  const still = await kube.core.readNamespacedPod({ namespace: 'drain', name: guarded.metadata!.name! });
  assert.equal(still.metadata?.deletionTimestamp, undefined, 'the budget kept it');
});
