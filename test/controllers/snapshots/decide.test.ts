// Scheduled workspace snapshots, decided: per tenant policy, with bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSnapshots, scheduledSnapshotName, tenantSnapshotPolicy, type SnapshotObservation } from '../../../controllers/snapshots/decide.ts';

const now = new Date('2026-12-03T12:00:30Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const ws = (snapshots: SnapshotObservation['workspaces'][number]['snapshots'], o: Partial<SnapshotObservation['workspaces'][number]> = {}) =>
  ({ now, className: 'csi', workspaces: [{ id: 'w1', tenantId: 't1', policy: { everyHours: 6, keep: 2 }, hasVolume: true, snapshots, ...o }] });

test('a tenant policy needs an interval of 1 to 168 hours; kept defaults to 7 and is bounded', () => {
  assert.equal(tenantSnapshotPolicy({}), undefined);
  assert.equal(tenantSnapshotPolicy({ workspaceSnapshotEveryHours: 0 }), undefined);
  assert.equal(tenantSnapshotPolicy({ workspaceSnapshotEveryHours: 169 }), undefined);
  assert.equal(tenantSnapshotPolicy({ workspaceSnapshotEveryHours: '6' }), undefined);
  assert.deepEqual(tenantSnapshotPolicy({ workspaceSnapshotEveryHours: 6 }), { everyHours: 6, keep: 7 });
  assert.deepEqual(tenantSnapshotPolicy({ workspaceSnapshotEveryHours: 6, workspaceSnapshotsKept: 1000 }), { everyHours: 6, keep: 7 });
});

test('the first snapshot is taken at once, the next when the newest is older than the interval', () => {
  assert.deepEqual(decideSnapshots(ws([])).map((d) => d.action), [{ type: 'create', tenantId: 't1', workspaceId: 'w1', name: 'ws-w1-202612031200', className: 'csi' }]);
  assert.deepEqual(decideSnapshots(ws([{ name: 'a', createdAt: hoursAgo(5.9), ready: true }])), []);
  assert.equal(decideSnapshots(ws([{ name: 'a', createdAt: hoursAgo(6), ready: true }]))[0]?.action.type, 'create');
  assert.deepEqual(decideSnapshots(ws([], { hasVolume: false })), [], 'no volume, nothing to snapshot');
});

test('the newest ready snapshots are kept; failed ones do not push good ones out', () => {
  const d = decideSnapshots(ws([
    { name: 'n1', createdAt: hoursAgo(1), ready: false },
    { name: 'n2', createdAt: hoursAgo(7), ready: true },
    { name: 'n3', createdAt: hoursAgo(13), ready: true },
    { name: 'n4', createdAt: hoursAgo(19), ready: true },
  ]));
  assert.deepEqual(d.map((x) => x.decision), ['delete VolumeSnapshot n4']);
});

test('one name per minute, so a create retried within the minute is the same object', () => {
  assert.equal(scheduledSnapshotName('w', new Date('2026-12-03T12:00:01Z')), scheduledSnapshotName('w', new Date('2026-12-03T12:00:59Z')));
});

test('an archived workspace gets no new snapshots; its scheduled ones go once the archive is past the retention', () => {
  const snaps = [{ name: 'a', createdAt: hoursAgo(30), ready: true }, { name: 'b', createdAt: hoursAgo(50), ready: true }];
  const at = (days: number) => ({ ...ws(snaps, { hasVolume: false, archivedAt: new Date(now.getTime() - days * 86_400_000) }), retentionDays: 30 });
  assert.deepEqual(decideSnapshots(at(29)), []);
  assert.deepEqual(decideSnapshots(at(31)).map((d) => d.decision), ['delete VolumeSnapshot a', 'delete VolumeSnapshot b']);
});
