// The workspace lifecycle controller: observes workspace rows and the objects labelled
// with them, decides with decideLifecycle, and applies each step through the fenced object
// layer (Kubernetes) or a fenced transaction (state transitions).
import { Histogram, type Registry } from 'prom-client';
import { transitionWorkspace } from '../../tenancy/workspaces.ts';
import { startups } from '../../tenancy/workspace-startup.ts';
import type { WorkspaceState } from '../../tenancy/workspace-states.ts';
import type { Kube } from '../../kube/client.ts';
import { createObject, deleteObject, listObjects, updateObject, type KObject, type KindName } from '../../kube/objects.ts';
import type { ApplyContext, Controller, ObserveContext } from '../runtime/types.ts';
import { DEFAULT_START_TIMEOUT_MS, decideLifecycle, type LifecycleAction, type LifecycleObservation, type ObservedPod, type ObservedWorkspace, type SnapshotPolicy } from './decide.ts';
import {
  MANAGED_SELECTOR, TENANT_LABEL, WORKSPACE_KINDS, WORKSPACE_LABEL, type WorkspaceKind, type WorkspaceSpec,
  archiveSnapshotManifest, archiveSnapshotName, manifestFor, namespaceManifest,
} from './manifests.ts';

export const LIFECYCLE = 'workspace-lifecycle';
export const ACTOR = `controller:${LIFECYCLE}`;

export interface LifecycleOptions {
  schedule?: string;
  /** snapshot archived workspaces' volumes (WORKSPACE_SNAPSHOT_CLASS) */
  snapshots?: SnapshotPolicy;
  startTimeoutMs?: number;
  registry?: Registry;
}

function podView(p: KObject): ObservedPod {
  const statuses: any[] = p.status?.containerStatuses ?? [];
  const problem = statuses.map((s) => s.state?.waiting?.reason ?? s.state?.terminated?.reason ?? s.lastState?.terminated?.reason)
    .find((r) => r && r !== 'ContainerCreating' && r !== 'PodInitializing' && r !== 'Completed');
  const ready = (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  return { name: p.metadata?.name ?? '', phase: p.status?.phase ?? 'Unknown', ready, ...(problem ? { problem } : {}) };
}

async function observe(ctx: ObserveContext, startTimeoutMs: number, snapshots?: SnapshotPolicy): Promise<LifecycleObservation> {
  const kube = ctx.kube!;
  const [namespaces, pods, snaps, ...byKind] = await Promise.all([
    listObjects(kube, 'Namespace', ''),
    listObjects(kube, 'Pod', MANAGED_SELECTOR),
    // Only with a policy: a cluster without the snapshot CRDs answers 404 to the list.
    snapshots ? listObjects(kube, 'VolumeSnapshot', MANAGED_SELECTOR) : Promise.resolve([]),
    ...WORKSPACE_KINDS.map((k) => listObjects(kube, k, MANAGED_SELECTOR)),
  ]);
  const snapshotOf = new Map<string, NonNullable<ObservedWorkspace['snapshot']>>();
  for (const v of snaps) {
    const id = v.metadata?.labels?.[WORKSPACE_LABEL];
    if (!id || v.metadata?.name !== archiveSnapshotName(id) || v.metadata?.deletionTimestamp) continue;
    const error = (v.status as { error?: { message?: string } } | undefined)?.error?.message;
    snapshotOf.set(id, { name: v.metadata.name, ready: v.status?.readyToUse === true, ...(error ? { error } : {}), createdAt: new Date(v.metadata.creationTimestamp ?? 0) });
  }
  const found = new Map<string, { tenantId: string; kinds: Partial<Record<WorkspaceKind, true>>; deployment?: KObject }>();
  WORKSPACE_KINDS.forEach((kind, i) => {
    for (const o of byKind[i]!) {
      const id = o.metadata?.labels?.[WORKSPACE_LABEL];
      const tenantId = o.metadata?.labels?.[TENANT_LABEL];
      if (!id || !tenantId || o.metadata?.deletionTimestamp) continue;
      const entry = found.get(id) ?? { tenantId, kinds: {} };
      entry.kinds[kind] = true;
      if (kind === 'Deployment') entry.deployment = o;
      found.set(id, entry);
    }
  });
  const podsBy = new Map<string, ObservedPod[]>();
  for (const p of pods) {
    const id = p.metadata?.labels?.[WORKSPACE_LABEL];
    if (!id || p.metadata?.deletionTimestamp) continue;
    podsBy.set(id, [...(podsBy.get(id) ?? []), podView(p)]);
  }
  const { rows } = await ctx.db.query(
    `SELECT id, tenant_id, state, version, resource_factor, node_pool, region, repository, starting_at, archived_at, restored_from
       FROM workspaces WHERE state <> 'archived' OR id = ANY($1::uuid[])`,
    [[...found.keys(), ...snapshotOf.keys()].filter((id) => /^[0-9a-f-]{36}$/.test(id))],
  );
  const workspaces: ObservedWorkspace[] = rows.map((r) => {
    const f = found.get(r.id);
    return {
      spec: { id: r.id, tenantId: r.tenant_id, resourceFactor: r.resource_factor, nodePool: r.node_pool, region: r.region, repository: r.repository, restoreFrom: r.restored_from },
      state: r.state as WorkspaceState,
      archivedAt: r.archived_at,
      ...(snapshotOf.has(r.id) ? { snapshot: snapshotOf.get(r.id) } : {}),
      version: r.version,
      startingAt: r.starting_at,
      objects: f?.kinds ?? {},
      replicas: f?.deployment?.spec?.replicas,
      readyReplicas: f?.deployment?.status?.readyReplicas ?? 0,
      pods: podsBy.get(r.id) ?? [],
    };
  });
  // Objects whose workspace row is gone altogether (its tenant was deleted) are cleaned up
  // like an archived workspace's.
  const known = new Set(rows.map((r) => r.id as string));
  for (const [id, f] of found) {
    if (known.has(id)) continue;
    workspaces.push({
      spec: { id, tenantId: f.tenantId, resourceFactor: 1, nodePool: 'on-demand', region: '', repository: null },
      state: 'archived', version: 0, startingAt: null, objects: f.kinds, pods: [],
    });
  }
  return {
    now: ctx.now,
    namespaces: new Set(namespaces.map((n) => n.metadata?.name ?? '')),
    workspaces,
    startTimeoutMs,
    ...(snapshots ? { snapshots } : {}),
  };
}

async function apply(a: LifecycleAction, ctx: ApplyContext, startup: Histogram<'outcome'>): Promise<unknown> {
  const kube = ctx.kube as Kube;
  switch (a.type) {
    case 'create-namespace':
      return createObject(kube, 'Namespace', namespaceManifest(a.tenantId), ctx.epoch);
    case 'create':
      return createObject(kube, a.kind as KindName, manifestFor(a.kind, a.spec as WorkspaceSpec, a.replicas), ctx.epoch);
    case 'scale':
      return updateObject(kube, 'Deployment', a.namespace, a.name, ctx.epoch, (d) => {
        if (d.spec?.replicas === a.replicas) return null;
        d.spec = { ...d.spec, replicas: a.replicas };
        return d;
      });
    case 'delete':
      return deleteObject(kube, a.kind, a.namespace, a.name, ctx.epoch);
    case 'snapshot':
      return createObject(kube, 'VolumeSnapshot', archiveSnapshotManifest({ id: a.workspaceId, tenantId: a.tenantId }, a.className), ctx.epoch);
    case 'transition': {
      const ws = await ctx.fenced((client) => transitionWorkspace(client, a.tenantId, a.workspaceId, {
        to: a.to, reason: a.reason, actor: ACTOR, expectedVersion: a.expectedVersion,
      }));
      if (a.to === 'running') {
        const last = (await startups(ctx.db, a.tenantId, a.workspaceId)).at(-1);
        if (last) startup.observe({ outcome: 'running' }, last.seconds);
        return { state: ws.state, version: ws.version, startupSeconds: last?.seconds ?? null };
      }
      if (a.to === 'error') startup.observe({ outcome: 'error' }, (Date.now() - (ws.transitions.starting?.getTime() ?? Date.now())) / 1000);
      return { state: ws.state, version: ws.version };
    }
  }
}

export function createLifecycleController(opts: LifecycleOptions = {}): Controller<LifecycleObservation, LifecycleAction> {
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const startup = new Histogram({
    name: 'pilothouse_workspace_startup_seconds',
    help: 'Time from a workspace start request to its sandbox being ready (outcome running), or to giving up (outcome error)',
    labelNames: ['outcome'] as const,
    buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers: opts.registry ? [opts.registry] : [],
  });
  return {
    name: LIFECYCLE,
    description: 'Materialises each workspace in its tenant namespace (Deployment, Service, PVC, PDB), scales it with pause and resume, and moves its state as its pod comes up or fails',
    schedule: opts.schedule ?? '*/2 * * * * *',
    needsKube: true,
    // A new workspace takes five actions (four objects and a transition): room for a burst of twenty.
    rate: { perMinute: 600, burst: 100 },
    observe: (ctx) => observe(ctx, startTimeoutMs, opts.snapshots),
    decide: decideLifecycle,
    apply: (a, ctx) => apply(a, ctx, startup),
  };
}
