// VolumeSnapshots in the sandbox through the real client: a snapshot copies the claim's
// files, a claim from it starts with them, and a snapshot that cannot be taken says why.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, startSandboxApi } from '../../sandbox/k8s/index.ts';
import { eventually } from '../eventually.ts';

const api = await startSandboxApi();
after(() => api.close());
const custom = api.kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const core = api.kubeConfig().makeApiClient(k8s.CoreV1Api);
applyObjects(api.server, [{ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'csi' }, driver: 'pd.csi.storage.gke.io', deletionPolicy: 'Delete' }]);
const group = { group: 'snapshot.storage.k8s.io', version: 'v1', namespace: 'default', plural: 'volumesnapshots' };
const claim = (name: string, dataSource?: object): k8s.V1PersistentVolumeClaim => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(dataSource ? { dataSource } : {}) } as k8s.V1PersistentVolumeClaimSpec });
const snapshot = (name: string, pvc: string, className = 'csi') => custom.createNamespacedCustomObject({ ...group, body: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name }, spec: { volumeSnapshotClassName: className, source: { persistentVolumeClaimName: pvc } } } });
const status = (name: string) => eventually(`snapshot ${name} status`, async () => ((await custom.getNamespacedCustomObject({ ...group, name })) as { status?: Record<string, any> }).status);

test('a snapshot holds the files of its claim at that moment; a claim from it starts with them', async () => {
  await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('data') });
  assert.ok(api.server.volumes.write('default', 'data', { 'a.txt': 'one' }));
  await snapshot('data-1', 'data');
  const s = await status('data-1');
  assert.equal(s.readyToUse, true);
  assert.equal(s.restoreSize, '1Gi');
  api.server.volumes.write('default', 'data', { 'a.txt': 'two' });
  await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('copy', { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'data-1' }) });
  assert.deepEqual(api.server.volumes.read('default', 'copy'), { 'a.txt': 'one' });
  const res = await fetch(`${api.url}/sandbox/v1/volumes/default/data`);
  assert.deepEqual((await res.json()).files, { 'a.txt': 'two' });
});

test('a snapshot of a missing claim or with an unknown class is not ready and says why', async () => {
  await snapshot('nope', 'missing');
  assert.match((await status('nope')).error.message, /persistentvolumeclaim \\"missing\\" not found/);
  await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('other') });
  await snapshot('noclass', 'other', 'gold');
  const s = await status('noclass');
  assert.equal(s.readyToUse, false);
  assert.match(s.error.message, /volumesnapshotclass.snapshot.storage.k8s.io "gold" not found/);
});

test('spec.source must name exactly one source', async () => {
  await assert.rejects(custom.createNamespacedCustomObject({ ...group, body: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'bad' }, spec: { source: {} } } }),
    (err: k8s.ApiException<string>) => err.code === 422 && /exactly one of persistentVolumeClaimName and volumeSnapshotContentName/.test(err.body));
});
