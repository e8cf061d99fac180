// The few reads of the cluster the API makes besides the fleet summary: the regions that have
// nodes (a workspace may only be created in one), and a workspace's Kubernetes events (its
// pods' FailedScheduling, image pulls, OOM kills) for the console's workspace page. One
// read-only client per app, with short timeouts: a page must not hang on the API server.
import type { FastifyInstance } from 'fastify';
import { Kube } from '../kube/client.ts';
import { REGION_LABELS, firstLabel } from '../kube/labels.ts';
import { listAll } from '../kube/list.ts';
import { namespaceFor, objectName } from '../controllers/workspaces/manifests.ts';
import { kubeOptionsOf } from './cluster.ts';

type CoreV1Event = Awaited<ReturnType<Kube['core']['listNamespacedEvent']>>['items'][number];

const READ_TIMEOUT_MS = 5_000;
const READ_RETRIES = 1;
const REGIONS_TTL_MS = 15_000;

const clients = new WeakMap<FastifyInstance, Kube>();
const regionCache = new WeakMap<FastifyInstance, { at: number; regions: string[] }>();

/** The app's read client, or undefined when no cluster is configured. */
export function readClient(app: FastifyInstance): Kube | undefined {
  const access = kubeOptionsOf(app.cluster);
  if (!access || app.cluster.mode === 'none') return undefined;
  let kube = clients.get(app);
  if (!kube) {
    kube = new Kube({ ...access, timeoutMs: READ_TIMEOUT_MS, retries: READ_RETRIES });
    clients.set(app, kube);
  }
  return kube;
}

/**
 * The regions that have at least one node, sorted; undefined when there is no cluster to ask
 * or it cannot be read (the caller then cannot check, and says nothing it does not know).
 */
export async function fleetRegions(app: FastifyInstance): Promise<string[] | undefined> {
  const cached = regionCache.get(app);
  if (cached && Date.now() - cached.at < REGIONS_TTL_MS) return cached.regions;
  const kube = readClient(app);
  if (!kube) return undefined;
  try {
    const nodes = await listAll(kube, 'list nodes', (cont) => kube.core.listNode({ limit: 500, _continue: cont }));
    const regions = [...new Set(nodes.map((n) => firstLabel(n.metadata?.labels, REGION_LABELS)).filter((r): r is string => !!r))].sort();
    regionCache.set(app, { at: Date.now(), regions });
    return regions;
  } catch (err) {
    app.log.warn({ err }, 'could not read the fleet\'s regions');
    return undefined;
  }
}

export interface WorkspaceEvent {
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  firstAt: string | null;
  lastAt: string | null;
  source: string | null;
}

/** Events about a workspace's objects (its Deployment, ReplicaSets, pods), newest first. */
export async function workspaceEvents(kube: Kube, tenantId: string, workspaceId: string): Promise<WorkspaceEvent[]> {
  const ns = namespaceFor(tenantId);
  const prefix = objectName(workspaceId);
  const events: CoreV1Event[] = await listAll(kube, 'list events', (cont) => kube.core.listNamespacedEvent({ namespace: ns, limit: 500, _continue: cont }));
  const at = (e: CoreV1Event, which: 'first' | 'last') => {
    const d = which === 'first' ? e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp : e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
    return d ? new Date(d as unknown as string).toISOString() : null;
  };
  return events
    .filter((e) => (e.involvedObject?.name ?? '').startsWith(prefix))
    .map((e) => ({
      type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '',
      object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`, count: e.count ?? 1,
      firstAt: at(e, 'first'), lastAt: at(e, 'last'), source: e.source?.component ?? e.reportingComponent ?? null,
    }))
    .sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''));
}
