// The workspace lifecycle, decided: from each workspace's recorded state and the objects
// observed in its namespace, the steps that bring the cluster in line (create, scale,
// delete) and the state transitions the cluster now justifies (starting → running when
// its pod is ready, → error when it fails or never becomes ready). Pure and level-based:
// nothing is decided for a workspace whose objects already match its state.
import type { WorkspaceState } from '../../tenancy/workspace-states.ts';
import type { Decision } from '../runtime/types.ts';
import { type WorkspaceKind, type WorkspaceSpec, WORKSPACE_KINDS, archiveSnapshotName, namespaceFor, objectName } from './manifests.ts';

export const DEFAULT_START_TIMEOUT_MS = 300_000;

/** Container states that mean the sandbox will not come up by itself. */
const FATAL_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'InvalidImageName']);

export interface ObservedPod {
  name: string;
  phase: string;
  ready: boolean;
  /** a waiting or terminated container's reason: CrashLoopBackOff, OOMKilled… */
  problem?: string;
}

export interface ObservedWorkspace {
  spec: WorkspaceSpec;
  state: WorkspaceState;
  version: number;
  startingAt: Date | null;
  /** which of the workspace's objects exist, and the Deployment's replica counts */
  objects: Partial<Record<WorkspaceKind, true>>;
  replicas?: number;
  readyReplicas?: number;
  pods: ObservedPod[];
  /** when it was archived (its snapshot must be newer) */
  archivedAt?: Date | null;
  /** its archive VolumeSnapshot, if there is one */
  snapshot?: { name: string; ready: boolean; error?: string; createdAt: Date };
}

/** VolumeSnapshots of archived workspaces' volumes (WORKSPACE_SNAPSHOT_CLASS). */
export interface SnapshotPolicy {
  className: string;
  retentionDays: number;
}

export interface LifecycleObservation {
  now: Date;
  /** tenant namespaces that exist */
  namespaces: ReadonlySet<string>;
  workspaces: ObservedWorkspace[];
  startTimeoutMs: number;
  /** unset: archiving deletes the volume with no copy kept */
  snapshots?: SnapshotPolicy;
}

export type LifecycleAction =
  | { type: 'create-namespace'; tenantId: string }
  | { type: 'create'; kind: WorkspaceKind; spec: WorkspaceSpec; replicas: 0 | 1 }
  | { type: 'scale'; namespace: string; name: string; replicas: 0 | 1 }
  | { type: 'delete'; kind: WorkspaceKind | 'VolumeSnapshot'; namespace: string; name: string }
  | { type: 'snapshot'; tenantId: string; workspaceId: string; className: string }
  | { type: 'transition'; tenantId: string; workspaceId: string; from: WorkspaceState; to: WorkspaceState; reason: string; expectedVersion: number };

/** States whose sandbox should be running (one replica). */
const WANTS_POD: ReadonlySet<WorkspaceState> = new Set(['pending', 'starting', 'running']);
/** Deletion order: the pod's owner first, the volume last. */
const DELETE_ORDER: readonly WorkspaceKind[] = ['Deployment', 'PodDisruptionBudget', 'Service', 'PersistentVolumeClaim'];

const seconds = (ms: number) => Math.round(ms / 100) / 10;

type Push = (action: LifecycleAction, decision: string, reason: string) => void;

/**
 * An archived workspace's objects go; with a snapshot policy its volume goes only once a
 * snapshot of it taken after the archive is ready, and that snapshot is kept for the
 * retention time.
 */
function decideArchived(w: ObservedWorkspace, o: LifecycleObservation, ns: string, name: string, push: Push): void {
  const policy = o.snapshots;
  const snap = w.snapshot;
  const stale = snap && w.archivedAt && snap.createdAt < w.archivedAt;
  let keepVolume = false;
  if (policy && w.objects.PersistentVolumeClaim) {
    if (stale) {
      push({ type: 'delete', kind: 'VolumeSnapshot', namespace: ns, name: snap.name }, `delete VolumeSnapshot ${ns}/${snap.name}`, 'it predates this archive: a fresh snapshot of the volume replaces it');
      keepVolume = true;
    } else if (!snap) {
      push({ type: 'snapshot', tenantId: w.spec.tenantId, workspaceId: w.spec.id, className: policy.className }, `create VolumeSnapshot ${ns}/${archiveSnapshotName(w.spec.id)}`, 'the workspace is archived: its volume is snapshotted before it is deleted');
      keepVolume = true;
    } else if (!snap.ready) {
      keepVolume = true; // waits for the snapshot (an error shows in its status and the audit inputs)
    }
  }
  for (const kind of DELETE_ORDER) {
    if (!w.objects[kind] || (kind === 'PersistentVolumeClaim' && keepVolume)) continue;
    push({ type: 'delete', kind, namespace: ns, name }, `delete ${kind} ${ns}/${name}`,
      kind === 'PersistentVolumeClaim' && policy ? `the workspace is archived and its volume snapshot ${snap?.name} is ready` : 'the workspace is archived: its objects and volume go');
  }
  if (policy && snap && !stale && !w.objects.PersistentVolumeClaim) {
    // Retention counts from the archive (the snapshot follows it within seconds).
    const ageDays = (o.now.getTime() - (w.archivedAt ?? snap.createdAt).getTime()) / 86_400_000;
    if (ageDays > policy.retentionDays) {
      push({ type: 'delete', kind: 'VolumeSnapshot', namespace: ns, name: snap.name }, `delete VolumeSnapshot ${ns}/${snap.name}`, `archived ${Math.floor(ageDays)} days ago, past the snapshot retention of ${policy.retentionDays} days`);
    }
  }
}

export function decideLifecycle(o: LifecycleObservation): Decision<LifecycleAction>[] {
  const out: Decision<LifecycleAction>[] = [];
  const namespacesAsked = new Set<string>();
  for (const w of o.workspaces) {
    const target = { kind: 'Workspace', name: w.spec.id, tenantId: w.spec.tenantId };
    const ns = namespaceFor(w.spec.tenantId);
    const name = objectName(w.spec.id);
    const inputs = {
      state: w.state, version: w.version, objects: Object.keys(w.objects).sort(),
      ...(w.snapshot ? { snapshot: { name: w.snapshot.name, ready: w.snapshot.ready, error: w.snapshot.error ?? null, createdAt: w.snapshot.createdAt.toISOString() } } : {}),
      replicas: w.replicas ?? null, readyReplicas: w.readyReplicas ?? null,
      pods: w.pods.map((p) => ({ phase: p.phase, ready: p.ready, problem: p.problem ?? null })),
    };
    const push = (action: LifecycleAction, decision: string, reason: string) => out.push({ target, action, decision, reason, inputs });

    if (w.state === 'archived') {
      decideArchived(w, o, ns, name, push);
      continue;
    }

    if (!o.namespaces.has(ns)) {
      // The rest of this tenant's workspaces wait for the next run, when the namespace exists.
      if (!namespacesAsked.has(ns)) {
        namespacesAsked.add(ns);
        out.push({
          target: { kind: 'Namespace', name: ns, tenantId: w.spec.tenantId },
          action: { type: 'create-namespace', tenantId: w.spec.tenantId },
          decision: `create Namespace ${ns}`,
          reason: `workspace ${w.spec.id} is ${w.state} and its tenant has no namespace yet`,
          inputs: { namespaces: [...o.namespaces].filter((n) => n === ns) },
        });
      }
      continue;
    }

    const replicas: 0 | 1 = WANTS_POD.has(w.state) ? 1 : 0;
    for (const kind of WORKSPACE_KINDS) {
      if (!w.objects[kind]) {
        push({ type: 'create', kind, spec: w.spec, replicas }, `create ${kind} ${ns}/${name}`, `the workspace is ${w.state} and its ${kind} is missing`);
      }
    }
    if (w.objects.Deployment && (w.replicas ?? 0) !== replicas) {
      push(
        { type: 'scale', namespace: ns, name, replicas },
        `scale Deployment ${ns}/${name} ${w.replicas ?? 0}→${replicas}`,
        replicas === 1 ? `the workspace is ${w.state}: its sandbox should run` : `the workspace is ${w.state}: its sandbox stops, its volume stays`,
      );
    }

    const transition = (to: WorkspaceState, reason: string) =>
      push({ type: 'transition', tenantId: w.spec.tenantId, workspaceId: w.spec.id, from: w.state, to, reason, expectedVersion: w.version }, `${w.state} → ${to}`, reason);

    if (w.state === 'pending') {
      transition('starting', 'its objects are being created');
      continue;
    }
    if (w.state !== 'starting' && w.state !== 'running') continue;

    const fatal = w.pods.find((p) => p.problem && (FATAL_WAITING.has(p.problem) || p.problem === 'OOMKilled' || p.phase === 'Failed'));
    if (w.state === 'starting') {
      const elapsed = w.startingAt ? o.now.getTime() - w.startingAt.getTime() : 0;
      if (w.objects.Deployment && (w.readyReplicas ?? 0) >= 1 && w.replicas === 1) {
        transition('running', `its pod is ready ${seconds(elapsed)} s after starting`);
      } else if (fatal) {
        transition('error', `sandbox failed to start: ${fatal.problem}`);
      } else if (elapsed > o.startTimeoutMs) {
        transition('error', `start timeout: no ready pod ${seconds(elapsed)} s after starting (limit ${seconds(o.startTimeoutMs)} s)`);
      }
    } else if (fatal) {
      transition('error', `runtime disconnected: ${fatal.problem}`);
    }
  }
  return out;
}
