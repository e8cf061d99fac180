// Workspace snapshots end to end: with WORKSPACE_SNAPSHOT_CLASS, archiving snapshots the
// volume before deleting it, POST …/restore brings the workspace back with a volume made
// from the snapshot (its files with it), and snapshots go after the retention time. The
// sandbox simulates the CSI snapshotter and the files on volumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { buildRuntime } from '../../../controllers/index.ts';
import { readObject } from '../../../kube/objects.ts';
import { applyObjects } from '../../../sandbox/index.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const cluster = await startTestCluster();
const t = await buildTestApp({ env: { WORKSPACE_SNAPSHOT_CLASS: 'csi-snapclass', WORKSPACE_SNAPSHOT_RETENTION_DAYS: '7' }, cluster: { mode: 'simulated', server: cluster.url } });
applyObjects(cluster.api.server, [{ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'csi-snapclass' }, driver: 'ebs.csi.aws.com', deletionPolicy: 'Delete' }]);
const kube = cluster.kube();
const EVERY_SECOND = '* * * * * *';
const runtime = buildRuntime({
  db: t.db, kube: cluster.kube(), holder: 'snapshot-test', leaseTtlMs: 5_000,
  schedules: { 'workspace-lifecycle': EVERY_SECOND, 'idle-reaper': '0 0 0 1 1 *', 'quota-enforcer': '0 0 0 1 1 *', 'headroom-autoscaler': '0 0 0 1 1 *' },
  snapshots: { className: 'csi-snapclass', retentionDays: 7 },
});
await runtime.start();
test.after(() => runtime.stop());

const tenant = await t.tenant();
const token = await t.token('member', tenant.id);
const ns = `tenant-${tenant.id}`;
const base = `/api/v1/tenants/${tenant.id}/workspaces`;
const state = async (id: string) => (await t.app.inject({ url: `${base}/${id}`, headers: bearer(token) })).json().state;
const untilState = (id: string, want: string) => waitFor(`workspace ${id} ${want}`, async () => (await state(id)) === want, 20_000);
const volume = (name: string) => `${cluster.api.url}/sandbox/v1/volumes/${ns}/${name}`;

async function runningWorkspace(name: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: base, headers: bearer(token), payload: { name, region: 'eu-west-1' } });
  assert.equal(res.statusCode, 201, res.body);
  await untilState(res.json().id, 'running');
  return res.json().id;
}

test('an archived workspace is snapshotted before its volume goes, and restored from the snapshot with its files', async () => {
  const id = await runningWorkspace('keep-me');
  const pvc = `ws-${id}`;
  const written = await fetch(volume(pvc), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ files: { 'src/main.py': 'print("hello")\n', '.git/HEAD': 'ref: refs/heads/main\n' } }) });
  assert.equal(written.status, 200);

  assert.equal((await t.app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: bearer(token) })).statusCode, 200);
  const snap = await waitFor('the archive snapshot is ready', async () => {
    const s = await readObject(kube, 'VolumeSnapshot', ns, `${pvc}-archive`);
    return s?.status?.readyToUse ? s : null;
  });
  assert.equal(snap.spec.source.persistentVolumeClaimName, pvc);
  assert.equal(snap.spec.volumeSnapshotClassName, 'csi-snapclass');
  await waitFor('the volume is deleted after the snapshot', async () => !(await readObject(kube, 'PersistentVolumeClaim', ns, pvc)));
  const { rows: order } = await t.db.query(`SELECT decision FROM controller_actions WHERE target = $1 AND status = 'applied' AND (decision LIKE '%VolumeSnapshot%' OR decision LIKE '%PersistentVolumeClaim%') ORDER BY id`, [id]);
  assert.deepEqual(order.map((r) => r.decision.split(' ').slice(0, 2).join(' ')), ['create PersistentVolumeClaim', 'create VolumeSnapshot', 'delete PersistentVolumeClaim']);

  const restored = await t.app.inject({ method: 'POST', url: `${base}/${id}/restore`, headers: bearer(token) });
  assert.equal(restored.statusCode, 200, restored.body);
  assert.equal(restored.json().state, 'pending');
  await untilState(id, 'running');
  const claim = await readObject(kube, 'PersistentVolumeClaim', ns, pvc);
  assert.deepEqual({ ...claim?.spec.dataSource }, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: `${pvc}-archive` });
  const files = (await (await fetch(volume(pvc))).json()).files;
  assert.deepEqual(files, { 'src/main.py': 'print("hello")\n', '.git/HEAD': 'ref: refs/heads/main\n' });

  // Archived again: the old snapshot predates this archive and is replaced by a fresh one.
  await fetch(volume(pvc), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ files: { 'NOTES.md': 'second life\n' } }) });
  await t.app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: bearer(token) });
  await waitFor('the volume is deleted again', async () => !(await readObject(kube, 'PersistentVolumeClaim', ns, pvc)));
  const second = await readObject(kube, 'VolumeSnapshot', ns, `${pvc}-archive`);
  assert.notEqual(second?.metadata?.uid, snap.metadata?.uid, 'a new snapshot');
  assert.equal((await t.app.inject({ method: 'POST', url: `${base}/${id}/restore`, headers: bearer(token) })).statusCode, 200);
  await untilState(id, 'running');
  assert.equal((await (await fetch(volume(pvc))).json()).files['NOTES.md'], 'second life\n');
});

test('restore says why it cannot: not archived, another tenant, or no snapshot left', async () => {
  const id = await runningWorkspace('live');
  const live = await t.app.inject({ method: 'POST', url: `${base}/${id}/restore`, headers: bearer(token) });
  assert.equal(live.statusCode, 409);
  assert.match(live.json().message, /is running, not archived/);
  const other = await t.tenant();
  const otherToken = await t.token('member', other.id);
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${other.id}/workspaces/${id}/restore`, headers: bearer(otherToken) })).statusCode, 404);
  await t.app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: bearer(token) });
  await waitFor('its volume deleted', async () => !(await readObject(kube, 'PersistentVolumeClaim', ns, `ws-${id}`)));
  // Past the retention time, the controller deletes the snapshot; restore then explains.
  await t.db.query(`UPDATE workspaces SET archived_at = now() - interval '9 days' WHERE id = $1`, [id]);
  await waitFor('the snapshot is deleted after 7 days', async () => !(await readObject(kube, 'VolumeSnapshot', ns, `ws-${id}-archive`)));
  const gone = await t.app.inject({ method: 'POST', url: `${base}/${id}/restore`, headers: bearer(token) });
  assert.equal(gone.statusCode, 409);
  assert.match(gone.json().message, /has no snapshot .* deleted after 7 days/);
});
