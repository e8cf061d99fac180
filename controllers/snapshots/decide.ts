// Scheduled snapshots of running and paused workspaces, per tenant policy (the roadmap's
// BackupManager.schedule_backups): every `everyHours` a VolumeSnapshot of each workspace's
// volume, the newest `keep` kept. Pure: the snapshots seen and the time in, the creates and
// deletes out. Archive snapshots (workspaces/decide.ts) are not this controller's.
import type { Decision } from '../runtime/types.ts';

export const DEFAULT_KEEP = 7;
export const MAX_EVERY_HOURS = 24 * 7;
export const MAX_KEEP = 100;

export interface TenantSnapshotPolicy {
  everyHours: number;
  keep: number;
}

const bounded = (v: unknown, max: number): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? v : undefined;

/**
 * A tenant's policy from its config: `workspaceSnapshotEveryHours` (1 to 168) and
 * `workspaceSnapshotsKept` (1 to 100, default 7). None, or an out-of-bound interval: no
 * scheduled snapshots.
 */
export function tenantSnapshotPolicy(config: Record<string, unknown> | null | undefined): TenantSnapshotPolicy | undefined {
  const everyHours = bounded(config?.workspaceSnapshotEveryHours, MAX_EVERY_HOURS);
  if (!everyHours) return undefined;
  return { everyHours, keep: bounded(config?.workspaceSnapshotsKept, MAX_KEEP) ?? DEFAULT_KEEP };
}

export interface ScheduledSnapshot { name: string; createdAt: Date; ready: boolean }

export interface SnapshotObservation {
  now: Date;
  className: string;
  /** WORKSPACE_SNAPSHOT_RETENTION_DAYS: how long an archived workspace's snapshots stay */
  retentionDays?: number;
  workspaces: Array<{ id: string; tenantId: string; policy: TenantSnapshotPolicy; hasVolume: boolean; snapshots: ScheduledSnapshot[]; archivedAt?: Date | null }>;
}

export type SnapshotAction =
  | { type: 'create'; tenantId: string; workspaceId: string; name: string; className: string }
  | { type: 'delete'; tenantId: string; workspaceId: string; name: string };

/** `ws-<id>-<yyyymmddhhmm>`: one name per minute, so a retried create is the same object. */
export const scheduledSnapshotName = (workspaceId: string, at: Date) => `ws-${workspaceId}-${at.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;

export function decideSnapshots(o: SnapshotObservation): Decision<SnapshotAction>[] {
  const out: Decision<SnapshotAction>[] = [];
  for (const w of o.workspaces) {
    const target = { kind: 'Workspace', name: w.id, tenantId: w.tenantId };
    const sorted = [...w.snapshots].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const inputs = { policy: w.policy, snapshots: sorted.map((s) => ({ name: s.name, createdAt: s.createdAt.toISOString(), ready: s.ready })), now: o.now.toISOString() };
    if (w.archivedAt) {
      // Archived: no more snapshots; the scheduled ones go with the archive's retention.
      const days = (o.now.getTime() - w.archivedAt.getTime()) / 86_400_000;
      if (o.retentionDays !== undefined && days > o.retentionDays) {
        for (const s of sorted) out.push({ target, inputs, action: { type: 'delete', tenantId: w.tenantId, workspaceId: w.id, name: s.name }, decision: `delete VolumeSnapshot ${s.name}`, reason: `the workspace was archived ${Math.floor(days)} days ago, past the snapshot retention of ${o.retentionDays} days` });
      }
      continue;
    }
    const newest = sorted[0];
    const dueMs = w.policy.everyHours * 3_600_000;
    if (w.hasVolume && (!newest || o.now.getTime() - newest.createdAt.getTime() >= dueMs)) {
      const name = scheduledSnapshotName(w.id, o.now);
      out.push({ target, inputs, action: { type: 'create', tenantId: w.tenantId, workspaceId: w.id, name, className: o.className }, decision: `create VolumeSnapshot ${name}`, reason: newest ? `the last snapshot is older than ${w.policy.everyHours} h` : 'the tenant\'s policy wants snapshots and there is none yet' });
    }
    // Only ready snapshots count towards those kept, so a failing snapshotter never costs the good ones.
    const ready = sorted.filter((s) => s.ready);
    for (const old of ready.slice(w.policy.keep)) {
      out.push({ target, inputs, action: { type: 'delete', tenantId: w.tenantId, workspaceId: w.id, name: old.name }, decision: `delete VolumeSnapshot ${old.name}`, reason: `the tenant keeps the newest ${w.policy.keep}` });
    }
  }
  return out;
}
