// The archive of a workspace with a snapshot policy, decided: the volume goes only after a
// fresh snapshot of it is ready; the snapshot goes after the retention time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLifecycle, type ObservedWorkspace } from '../../../controllers/workspaces/decide.ts';

const now = new Date('2026-12-03T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const spec = { id: 'w1', tenantId: 't1', resourceFactor: 1, nodePool: 'on-demand' as const, region: 'eu', repository: null };
const archived = (o: Partial<ObservedWorkspace>): ObservedWorkspace => ({ spec, state: 'archived', version: 5, startingAt: null, objects: {}, pods: [], archivedAt: daysAgo(0), ...o });
const decide = (w: ObservedWorkspace, policy = true) => decideLifecycle({ now, namespaces: new Set(['tenant-t1']), workspaces: [w], startTimeoutMs: 1, ...(policy ? { snapshots: { className: 'csi', retentionDays: 7 } } : {}) }).map((d) => d.decision);
const all = { Deployment: true, Service: true, PodDisruptionBudget: true, PersistentVolumeClaim: true } as const;

test('without a policy the volume goes with the rest', () => {
  assert.deepEqual(decide(archived({ objects: all }), false), ['delete Deployment tenant-t1/ws-w1', 'delete PodDisruptionBudget tenant-t1/ws-w1', 'delete Service tenant-t1/ws-w1', 'delete PersistentVolumeClaim tenant-t1/ws-w1']);
});

test('with a policy: snapshot first, keep the volume until the snapshot is ready, then delete it', () => {
  assert.deepEqual(decide(archived({ objects: all })), ['create VolumeSnapshot tenant-t1/ws-w1-archive', 'delete Deployment tenant-t1/ws-w1', 'delete PodDisruptionBudget tenant-t1/ws-w1', 'delete Service tenant-t1/ws-w1']);
  const pending = { name: 'ws-w1-archive', ready: false, createdAt: now };
  assert.deepEqual(decide(archived({ objects: { PersistentVolumeClaim: true }, snapshot: pending })), []);
  assert.deepEqual(decide(archived({ objects: { PersistentVolumeClaim: true }, snapshot: { ...pending, ready: true } })), ['delete PersistentVolumeClaim tenant-t1/ws-w1']);
});

test('a snapshot older than this archive (from an earlier one) is replaced before the volume goes', () => {
  const old = { name: 'ws-w1-archive', ready: true, createdAt: daysAgo(3) };
  assert.deepEqual(decide(archived({ objects: { PersistentVolumeClaim: true }, snapshot: old, archivedAt: daysAgo(0) })), ['delete VolumeSnapshot tenant-t1/ws-w1-archive']);
});

test('the snapshot is deleted once the archive is older than the retention', () => {
  const snap = { name: 'ws-w1-archive', ready: true, createdAt: daysAgo(8) };
  assert.deepEqual(decide(archived({ snapshot: snap, archivedAt: daysAgo(8) })), ['delete VolumeSnapshot tenant-t1/ws-w1-archive']);
  assert.deepEqual(decide(archived({ snapshot: { ...snap, createdAt: daysAgo(6) }, archivedAt: daysAgo(6) })), []);
});
