// The fenced object layer against the sandbox API server, through the real client and a
// flaky server: no write is lost, none is done twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createObject, deleteObject, readObject, updateObject, EPOCH_ANNOTATION } from '../../kube/objects.ts';
import { deploymentManifest, serviceManifest, namespaceManifest } from '../../controllers/workspaces/manifests.ts';
import { FencedError } from '../../controllers/runtime/types.ts';
import { resourceByKey } from '../../sandbox/k8s/index.ts';
import { startTestCluster } from '../controllers/cluster.ts';

const cluster = await startTestCluster();
const retries: string[] = [];
const kube = cluster.kube({ timeoutMs: 300, onRetry: (what) => retries.push(what) });
const T = '22222222-2222-4222-8222-222222222222';
const ns = `tenant-${T}`;
let n = 0;
const spec = () => ({ id: `aaaaaaaa-0000-4000-8000-${String(++n).padStart(12, '0')}`, tenantId: T, resourceFactor: 1, nodePool: 'on-demand' as const, region: 'eu-west-1', repository: null });
await createObject(kube, 'Namespace', namespaceManifest(T), 1);

test('a create whose answer is lost is retried and counted as done, leaving one object', async () => {
  const ws = spec();
  const svc = serviceManifest(ws);
  cluster.api.server.faults.timeoutNext(1, { method: 'POST', resource: 'services' }, 5_000, true);
  const r = await createObject(kube, 'Service', svc, 1);
  assert.equal(r.changed, false, 'the retry found the object the lost answer had created');
  const posts = cluster.writes(`/namespaces/${ns}/services`).filter((w) => w.method === 'POST');
  assert.equal(posts.length, 2, 'one attempt timed out, one retry answered AlreadyExists');
  assert.equal(cluster.api.server.store.list(resourceByKey('services'), ns).items.filter((s) => s.metadata.name === svc.metadata!.name).length, 1);
});

test('server errors are retried with backoff until the write lands, once', async () => {
  const ws = spec();
  await createObject(kube, 'Deployment', deploymentManifest(ws, 1), 1);
  const before = await readObject(kube, 'Deployment', ns, `ws-${ws.id}`);
  cluster.api.server.faults.failNext(2, 503, { method: 'PUT', resource: 'deployments' });
  const r = await updateObject(kube, 'Deployment', ns, `ws-${ws.id}`, 1, (d) => ({ ...d, spec: { ...d.spec, replicas: 0 } }));
  assert.equal(r.changed, true);
  const after = await readObject(kube, 'Deployment', ns, `ws-${ws.id}`);
  assert.equal(after?.spec.replicas, 0);
  assert.equal(after?.metadata?.generation, (before?.metadata?.generation ?? 0) + 1, 'the spec changed exactly once');
});

test('a conflict is answered with a fresh read, and the change is made on the fresh object', async () => {
  const ws = spec();
  const name = `ws-${ws.id}`;
  await createObject(kube, 'Deployment', deploymentManifest(ws, 1), 1);
  let raced = false;
  const r = await updateObject(kube, 'Deployment', ns, name, 1, (d) => {
    if (!raced) {
      raced = true;
      // Another writer changes the object between our read and our write.
      const current = cluster.api.server.store.get(resourceByKey('apps/deployments'), ns, name);
      cluster.api.server.store.update(resourceByKey('apps/deployments'), ns, name, { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, other: 'writer' } } });
    }
    return { ...d, spec: { ...d.spec, replicas: 0 } };
  });
  assert.equal(r.changed, true);
  const after = await readObject(kube, 'Deployment', ns, name);
  assert.equal(after?.spec.replicas, 0);
  assert.equal(after?.metadata?.labels?.other, 'writer', 'the other writer\'s change survived: nothing was overwritten');
  const puts = cluster.writes(`/deployments/${name}`).filter((w) => w.method === 'PUT');
  // The raced write is refused (409) and the fresh one lands; the sandbox's own control plane
  // may update the Deployment's status meanwhile, which is one more 409 answered the same way.
  const statuses = puts.map((p) => p.status);
  assert.equal(statuses[0], 409);
  assert.equal(statuses.at(-1), 200);
  assert.ok(statuses.slice(0, -1).every((s) => s === 409), `only conflicts before the write that landed: ${statuses}`);
});

test('a change the fresh read shows as already made is not made again', async () => {
  const ws = spec();
  const name = `ws-${ws.id}`;
  await createObject(kube, 'Deployment', deploymentManifest(ws, 0), 1);
  const r = await updateObject(kube, 'Deployment', ns, name, 1, (d) => (d.spec.replicas === 0 ? null : { ...d, spec: { ...d.spec, replicas: 0 } }));
  assert.equal(r.changed, false);
  assert.equal(cluster.writes(`/deployments/${name}`).filter((w) => w.method === 'PUT').length, 0);
});

test('an object written at a newer epoch refuses a deposed leader\'s write', async () => {
  const ws = spec();
  const name = `ws-${ws.id}`;
  await createObject(kube, 'Deployment', deploymentManifest(ws, 1), 5);
  await assert.rejects(updateObject(kube, 'Deployment', ns, name, 4, (d) => ({ ...d, spec: { ...d.spec, replicas: 0 } })), FencedError);
  await assert.rejects(deleteObject(kube, 'Deployment', ns, name, 4), FencedError);
  const after = await readObject(kube, 'Deployment', ns, name);
  assert.equal(after?.spec.replicas, 1);
  assert.equal(after?.metadata?.annotations?.[EPOCH_ANNOTATION], '5');
});

test('a delete whose answer is lost is retried and finds the object gone', async () => {
  const ws = spec();
  const name = `ws-${ws.id}`;
  await createObject(kube, 'Service', serviceManifest(ws), 1);
  cluster.api.server.faults.timeoutNext(1, { method: 'DELETE', resource: 'services' }, 5_000, true);
  await deleteObject(kube, 'Service', ns, name, 1);
  assert.equal(await readObject(kube, 'Service', ns, name), null);
});

test('an API server that never answers fails the call after its retries, within the timeouts', async () => {
  const k = cluster.kube({ timeoutMs: 150, retries: 2 });
  cluster.api.server.faults.timeoutNext(3, { method: 'GET', resource: 'services' }, 5_000);
  const started = Date.now();
  await assert.rejects(readObject(k, 'Service', ns, 'nope'), (err: Error) => err.name === 'TimeoutError' || /abort|timeout/i.test(err.message));
  assert.ok(Date.now() - started < 3_000);
});

test('a create of an object someone else owns is a conflict, not a takeover', async () => {
  const ws = spec();
  const svc = serviceManifest(ws);
  cluster.api.server.store.create(resourceByKey('services'), ns, { metadata: { name: svc.metadata!.name, namespace: ns }, spec: { ports: [{ port: 80 }] } });
  await assert.rejects(createObject(kube, 'Service', svc, 1), /not managed by Pilothouse/);
});
