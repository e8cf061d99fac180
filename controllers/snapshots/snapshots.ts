// The scheduled snapshot controller: running and paused workspaces of tenants with a
// snapshot policy, their scheduled VolumeSnapshots (label pilothouse.io/snapshot=scheduled),
// decideSnapshots, and fenced creates and deletes. Off without WORKSPACE_SNAPSHOT_CLASS.
import { createObject, deleteObject, listObjects } from '../../kube/objects.ts';
import type { Controller } from '../runtime/types.ts';
import { MANAGED_SELECTOR, WORKSPACE_LABEL, namespaceFor, objectName, workspaceLabels } from '../workspaces/manifests.ts';
import { decideSnapshots, tenantSnapshotPolicy, type SnapshotAction, type SnapshotObservation } from './decide.ts';

export const SNAPSHOTS = 'workspace-snapshots';
export const SNAPSHOT_KIND_LABEL = 'pilothouse.io/snapshot';

export function createSnapshotController(opts: { schedule?: string; className?: string; retentionDays?: number } = {}): Controller<SnapshotObservation, SnapshotAction> {
  return {
    name: SNAPSHOTS,
    description: 'Snapshots the volumes of running and paused workspaces on their tenant\'s schedule (workspaceSnapshotEveryHours) and keeps the newest workspaceSnapshotsKept; off without WORKSPACE_SNAPSHOT_CLASS',
    schedule: opts.schedule ?? '0 */5 * * * *',
    needsKube: true,
    rate: { perMinute: 120, burst: 60 },
    async observe(ctx) {
      if (!opts.className) return { now: ctx.now, className: '', workspaces: [] };
      const { rows } = await ctx.db.query(
        `SELECT w.id, w.tenant_id, t.config, w.archived_at FROM workspaces w JOIN tenants t ON t.id = w.tenant_id
          WHERE w.state IN ('running', 'paused') OR (w.state = 'archived' AND w.archived_at > now() - interval '400 days')`,
      );
      const wanted = rows.map((r) => ({ id: r.id as string, tenantId: r.tenant_id as string, policy: tenantSnapshotPolicy(r.config), archivedAt: r.archived_at as Date | null })).filter((w) => w.policy);
      if (wanted.length === 0) return { now: ctx.now, className: opts.className, workspaces: [] };
      const [snaps, claims] = await Promise.all([
        listObjects(ctx.kube!, 'VolumeSnapshot', `${MANAGED_SELECTOR},${SNAPSHOT_KIND_LABEL}=scheduled`),
        listObjects(ctx.kube!, 'PersistentVolumeClaim', MANAGED_SELECTOR),
      ]);
      const withVolume = new Set(claims.map((c) => c.metadata?.labels?.[WORKSPACE_LABEL]));
      return {
        now: ctx.now,
        className: opts.className,
        ...(opts.retentionDays !== undefined ? { retentionDays: opts.retentionDays } : {}),
        workspaces: wanted.map((w) => ({
          id: w.id, tenantId: w.tenantId, policy: w.policy!, hasVolume: withVolume.has(w.id), archivedAt: w.archivedAt,
          snapshots: snaps.filter((s) => s.metadata?.labels?.[WORKSPACE_LABEL] === w.id && !s.metadata?.deletionTimestamp)
            .map((s) => ({ name: s.metadata!.name!, createdAt: new Date(s.metadata!.creationTimestamp ?? 0), ready: s.status?.readyToUse === true })),
        })),
      };
    },
    decide: decideSnapshots,
    async apply(a, ctx) {
      const ns = namespaceFor(a.tenantId);
      if (a.type === 'delete') return deleteObject(ctx.kube!, 'VolumeSnapshot', ns, a.name, ctx.epoch);
      return createObject(ctx.kube!, 'VolumeSnapshot', {
        apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot',
        metadata: { name: a.name, namespace: ns, labels: { ...workspaceLabels({ id: a.workspaceId, tenantId: a.tenantId }), [SNAPSHOT_KIND_LABEL]: 'scheduled' } },
        spec: { volumeSnapshotClassName: a.className, source: { persistentVolumeClaimName: objectName(a.workspaceId) } },
      }, ctx.epoch);
    },
  };
}
