// The sandbox's node events as clients see them: a spot interruption notice (the node
// termination handler's taint and deadline, then the node gone), a node that stops posting
// status (NotReady, unreachable taints, its pods stuck until force-deleted), and region front
// doors that can be taken down and brought back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSandbox, TEST_TIMINGS } from '../../../sandbox/index.ts';
import { resourceByKey } from '../../../sandbox/k8s/index.ts';
import { eventually } from '../../eventually.ts';

const pools = [
  { name: 'r1-on-demand', region: 'r1', zones: ['r1a'], capacityType: 'on-demand' as const, instanceType: 'm6i.4xlarge', min: 2, max: 2, initial: 2 },
  { name: 'r1-spot', region: 'r1', zones: ['r1a'], capacityType: 'spot' as const, instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
  { name: 'r2-on-demand', region: 'r2', zones: ['r2a'], capacityType: 'on-demand' as const, instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
];

async function sandbox(timings = {}) {
  const sb = await startSandbox({ pools, timings: { ...TEST_TIMINGS, ...timings }, seed: 3 });
  test.after(() => sb.close());
  return { sb, core: sb.kubeConfig().makeApiClient(k8s.CoreV1Api) };
}

test('a spot interruption notice taints and annotates the node with its deadline, and the node goes at the deadline', async () => {
  const { sb, core } = await sandbox({ spotNoticeMs: 400 });
  const spot = (await core.listNode({ labelSelector: 'pilothouse.io/node-pool=spot' })).items[0]!;
  const stored = sb.server.store.get(resourceByKey('nodes'), undefined, spot.metadata!.name!);
  const before = Date.now();
  const { deadline } = sb.fleet.pools.reclaim(stored);
  const node = await core.readNode({ name: spot.metadata!.name! });
  const taint = node.spec?.taints?.find((t) => t.key === 'aws-node-termination-handler/spot-itn');
  assert.equal(taint?.effect, 'NoSchedule');
  assert.ok(taint?.timeAdded);
  assert.equal(node.spec?.unschedulable, true);
  assert.equal(node.metadata?.annotations?.['pilothouse.io/interruption-deadline'], deadline);
  assert.ok(Math.abs(Date.parse(deadline) - before - 400) < 200);
  await eventually('the node is gone', async () => !(await core.listNode()).items.some((n) => n.metadata?.name === spot.metadata?.name), 5_000);
  assert.ok(Date.now() >= Date.parse(deadline));
});

test('a failed node is NotReady and unreachable; its pods stay until force-deleted, and it recovers', async () => {
  const { sb, core } = await sandbox();
  const name = (await core.listNode({ labelSelector: 'pilothouse.io/pool=r2-on-demand' })).items[0]!.metadata!.name!;
  await core.createNamespace({ body: { metadata: { name: 'apps' } } });
  await core.createNamespacedPod({ namespace: 'apps', body: { metadata: { name: 'p' }, spec: { nodeName: name, containers: [{ name: 'c', image: 'x' }] } } });
  await eventually('pod ready', async () => (await core.readNamespacedPod({ namespace: 'apps', name: 'p' })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  sb.fleet.pools.fail(name);
  const node = await core.readNode({ name });
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason], ['Unknown', 'NodeStatusUnknown']);
  assert.deepEqual(node.spec?.taints?.filter((t) => t.key === 'node.kubernetes.io/unreachable').map((t) => t.effect).sort(), ['NoExecute', 'NoSchedule']);
  const pod = await core.readNamespacedPod({ namespace: 'apps', name: 'p' });
  assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  // A graceful delete waits for a kubelet that never answers.
  await core.deleteNamespacedPod({ namespace: 'apps', name: 'p' });
  await new Promise((ok) => setTimeout(ok, 200));
  assert.ok((await core.readNamespacedPod({ namespace: 'apps', name: 'p' })).metadata?.deletionTimestamp, 'still terminating');
  await core.deleteNamespacedPod({ namespace: 'apps', name: 'p', gracePeriodSeconds: 0 });
  await assert.rejects(core.readNamespacedPod({ namespace: 'apps', name: 'p' }), (e: { code?: number }) => e.code === 404);
  sb.fleet.pools.recover(name);
  const back = await core.readNode({ name });
  assert.equal(back.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(back.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'), false);
});

test('a region front door answers until taken down (no answer, or 503), and again once brought back', async () => {
  const { sb } = await sandbox();
  const url = (r: string) => `${sb.url}/sandbox/v1/regions/${r}`;
  assert.deepEqual((await (await fetch(`${sb.url}/sandbox/v1/regions`)).json()).regions.map((r: { name: string; up: boolean }) => [r.name, r.up]), [['r1', true], ['r2', true]]);
  assert.equal(await (await fetch(`${url('r1')}/healthz`)).text(), 'ok');
  assert.equal((await fetch(`${url('mars')}/healthz`)).status, 404);
  assert.equal((await fetch(`${url('r1')}/outage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mode":"sideways"}' })).status, 400);
  assert.equal((await fetch(`${url('r1')}/outage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mode":"refuse"}' })).status, 201);
  assert.equal((await fetch(`${url('r1')}/healthz`)).status, 503);
  assert.equal((await fetch(`${url('r2')}/healthz`)).status, 200, 'the other region is untouched');
  sb.fleet.regions.down('r1', 'hang');
  await assert.rejects(fetch(`${url('r1')}/healthz`, { signal: AbortSignal.timeout(300) }), /TimeoutError|aborted/);
  assert.equal((await fetch(`${url('r1')}/outage`, { method: 'DELETE' })).status, 200);
  assert.equal((await fetch(`${url('r1')}/healthz`)).status, 200);
});
