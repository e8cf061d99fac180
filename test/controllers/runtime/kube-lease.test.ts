// Leader election on a coordination.k8s.io Lease in the sandbox API server, which (like a
// real one) refuses Lease times without microseconds, in Pilothouse's own namespace: the
// only one where deploy/'s Role lets it touch Leases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { createTestDb } from '../../helper.ts';
import { KubeLeaseElector } from '../../../controllers/runtime/elector.ts';
import { readLease } from '../../../controllers/runtime/lease.ts';
import { startTestCluster } from '../cluster.ts';

const { pool: db } = await createTestDb();
const cluster = await startTestCluster();
const kube = cluster.kube();
const namespace = cluster.namespace;
const elector = (holder: string, ns = namespace) => new KubeLeaseElector(db, kube, { namespace: ns, name: 'controllers', holder, ttlMs: 1_000 });
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

test('the first candidate takes the Lease with microsecond times; the second waits', async () => {
  const a = elector('a');
  const b = elector('b');
  assert.deepEqual(await a.tick(), { leader: true, epoch: 1, holder: 'a' });
  assert.equal((await b.tick()).leader, false);
  const lease = await kube.coordination.readNamespacedLease({ namespace, name: 'controllers' });
  assert.match(String(lease.spec?.renewTime), /\.\d{6}Z$/);
  assert.equal(lease.spec?.holderIdentity, 'a');
  assert.equal((await readLease(db, 'controllers'))?.epoch, 1, 'the database fence carries the same epoch');
});

test('when the holder stops renewing, the other takes over with the next epoch and the fence follows', async () => {
  const b = elector('b');
  await b.tick(); // observes a's lease
  await sleep(1_200);
  const r = await b.tick();
  assert.deepEqual(r, { leader: true, epoch: 2, holder: 'b' });
  const lease = await kube.coordination.readNamespacedLease({ namespace, name: 'controllers' });
  assert.equal(lease.spec?.leaseTransitions, 1);
  assert.deepEqual([(await readLease(db, 'controllers'))?.holder, (await readLease(db, 'controllers'))?.epoch], ['b', 2]);
  const a = elector('a');
  assert.equal((await a.tick()).leader, false, 'the old holder sees a live lease held by b');
});

test('a Lease written with millisecond times is refused, as a real API server does', async () => {
  await assert.rejects(
    kube.coordination.createNamespacedLease({ namespace, body: { metadata: { name: 'ms' }, spec: { holderIdentity: 'x', renewTime: new Date() as unknown as k8s.V1MicroTime } } }),
    (err: k8s.ApiException<string>) => err.code === 400,
  );
});

test('a Lease outside Pilothouse\'s namespace is forbidden, in Kubernetes\' words', async () => {
  await assert.rejects(elector('c', 'default').tick(), (err: k8s.ApiException<string>) => {
    assert.equal(err.code, 403);
    const status = JSON.parse(err.body);
    assert.equal(status.reason, 'Forbidden');
    assert.equal(status.message, 'leases.coordination.k8s.io "controllers" is forbidden: User "system:serviceaccount:pilothouse:pilothouse" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "default"');
    return true;
  });
});
