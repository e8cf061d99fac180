// The adapter around allocateFleetCost: reads nodes, pods and metrics.k8s.io pod usage
// through kube/ (timeouts, retries, paging), maps namespaces to tenants, and stores one
// minute's allocation.
import type { Pool as PgPool } from 'pg';
import { withTransaction, type Queryable } from '../../db/pool.ts';
import { allocateFleetCost, type FleetAllocation, type NodeUsage, type Pool, type WorkloadUsage } from './allocation.ts';
import type { RatesT } from './catalog.ts';
import { ratesAt } from './catalog-store.ts';
import { parseQuantity } from '../../kube/quantity.ts';
import type { Kube } from '../../kube/client.ts';
import { annotatedPrice, capacityTypeOf, WORKSPACE_LABEL } from '../../kube/labels.ts';
import { listAll, PAGE_SIZE } from '../../kube/list.ts';
import { podRequests } from '../../kube/pod-requests.ts';
import { storeWorkloadSamples, type WorkloadMinute } from '../fleet/workload-samples.ts';

/** The key allocateFleetCost groups platform/system namespaces under. */
export const SYSTEM_KEY = 'system';
const TENANT_NS = /^tenant-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const GB = 1024 ** 3;
/** each sample covers one minute */
export const SAMPLE_HOURS = 1 / 60;

export interface FleetSnapshot {
  nodes: Omit<NodeUsage, 'hours'>[];
  /** running pods with a node; usage 0 when metrics have no item for the pod yet */
  pods: { namespace: string; name: string; pool: Pool; node: string; cpuRequest: number; memoryRequestGb: number; cpuUsage: number; memoryUsageGb: number; workload?: Workload; hasMetrics?: boolean }[];
}

/** A Kubernetes quantity as a number (0 when absent); a malformed one stops the sample. */
export function quantity(q: string | undefined): number {
  if (q === undefined) return 0;
  const v = parseQuantity(q);
  if (v === undefined) throw new Error(`fleet cost: cannot read the quantity "${q}"`);
  return v;
}
const num = quantity;
const sum = <T>(xs: readonly T[] | undefined, f: (x: T) => number) => (xs ?? []).reduce((a, x) => a + f(x), 0);

export function tenantOfNamespace(ns: string): string | undefined {
  return TENANT_NS.exec(ns)?.[1];
}

/** What a pod belongs to, for rightsizing: its workspace, or the Deployment of its ReplicaSet. */
export interface Workload { kind: 'workspace' | 'deployment'; name: string }

export function workloadOf(p: { metadata?: { labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] } }): Workload | undefined {
  const ws = p.metadata?.labels?.[WORKSPACE_LABEL];
  if (ws) return { kind: 'workspace', name: ws };
  const rs = p.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
  const hash = p.metadata?.labels?.['pod-template-hash'];
  if (rs && hash && rs.name.endsWith(`-${hash}`)) return { kind: 'deployment', name: rs.name.slice(0, -hash.length - 1) };
  return undefined;
}

type PodMetrics = { metadata: { namespace: string; name: string }; containers: { usage: { cpu?: string; memory?: string } }[] };

export async function readFleet(kube: Kube, limit = PAGE_SIZE): Promise<FleetSnapshot> {
  const [nodeItems, podItems, metricItems] = await Promise.all([
    listAll(kube, 'list nodes', (cont) => kube.core.listNode({ limit, _continue: cont })),
    listAll(kube, 'list running pods', (cont) => kube.core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running', limit, _continue: cont })),
    listAll(kube, 'list pod metrics', (cont) => kube.custom.listClusterCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', limit, _continue: cont }) as Promise<{ items: PodMetrics[]; metadata?: { _continue?: string } }>),
  ]);
  const nodes = { items: nodeItems };
  const pods = { items: podItems };
  const metrics = { items: metricItems };
  const poolOf = new Map<string, Pool>();
  const outNodes = nodes.items.map((n) => {
    const pool: Pool = capacityTypeOf(n.metadata?.labels);
    poolOf.set(n.metadata!.name!, pool);
    const pricePerHour = annotatedPrice(n.metadata?.annotations);
    return { name: n.metadata!.name!, pool, cpu: num(n.status?.capacity?.cpu), memoryGb: num(n.status?.capacity?.memory) / GB, ...(pricePerHour !== undefined ? { pricePerHour } : {}) };
  });
  const usage = new Map(metrics.items.map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, m.containers]));
  const outPods: FleetSnapshot['pods'] = [];
  for (const p of pods.items) {
    const node = p.spec?.nodeName ?? '';
    const pool = poolOf.get(node);
    if (!pool) continue;
    const namespace = p.metadata!.namespace!;
    const name = p.metadata!.name!;
    const used = usage.get(`${namespace}/${name}`);
    const requested = podRequests(p);
    const workload = workloadOf(p);
    outPods.push({
      namespace, name, pool, node, ...(workload ? { workload } : {}), hasMetrics: used !== undefined,
      // What the scheduler reserves: init containers, sidecars and overhead included.
      cpuRequest: requested.cpu,
      memoryRequestGb: requested.memory / GB,
      cpuUsage: sum(used, (c) => num(c.usage.cpu)),
      memoryUsageGb: sum(used, (c) => num(c.usage.memory)) / GB,
    });
  }
  return { nodes: outNodes, pods: outPods };
}

/** One minute's allocation: tenants by namespace, everything else under SYSTEM_KEY. */
export function allocateSample(snap: FleetSnapshot, rates: RatesT): FleetAllocation {
  const nodes = snap.nodes.map((n) => ({ ...n, hours: SAMPLE_HOURS }));
  const workloads: WorkloadUsage[] = snap.pods.map((p) => ({ ...p, tenantId: tenantOfNamespace(p.namespace) ?? SYSTEM_KEY, hours: SAMPLE_HOURS }));
  return allocateFleetCost(nodes, workloads, rates);
}

/** Each workload's minute: the mean usage and requests per running pod that has metrics. */
export function workloadMinutes(snap: FleetSnapshot): WorkloadMinute[] {
  const by = new Map<string, WorkloadMinute>();
  for (const p of snap.pods) {
    if (!p.workload || !p.hasMetrics) continue;
    const k = `${p.namespace}/${p.workload.kind}/${p.workload.name}`;
    const w = by.get(k) ?? { namespace: p.namespace, workload: p.workload.name, kind: p.workload.kind, tenantId: tenantOfNamespace(p.namespace) ?? null, cpuUsage: 0, memoryUsage: 0, cpuRequest: 0, memoryRequest: 0, pods: 0 };
    w.cpuUsage += p.cpuUsage;
    w.memoryUsage += p.memoryUsageGb * GB;
    w.cpuRequest += p.cpuRequest;
    w.memoryRequest += p.memoryRequestGb * GB;
    w.pods++;
    by.set(k, w);
  }
  return [...by.values()].map((w) => ({ ...w, cpuUsage: w.cpuUsage / w.pods, memoryUsage: w.memoryUsage / w.pods, cpuRequest: w.cpuRequest / w.pods, memoryRequest: w.memoryRequest / w.pods }));
}

/** Replaces the rows of `minute`: a rerun or a second replica never double counts it. */
export async function storeSample(db: PgPool, minute: Date, a: FleetAllocation): Promise<void> {
  const m = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
  const rows: [string, string | null, { cpu: string; memory: string; total: string }][] = [
    ...a.tenants.map((t) => [t.tenantId === SYSTEM_KEY ? 'system' : 'tenant', t.tenantId === SYSTEM_KEY ? null : t.tenantId, t] as [string, string | null, typeof t]),
    ['idle', null, a.idle],
    ['overcommit', null, a.overcommit],
  ];
  await withTransaction(db, async (c: Queryable) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('fleet_cost_samples'))`);
    await c.query('DELETE FROM fleet_cost_samples WHERE sample_minute = $1', [m]);
    await c.query(
      `INSERT INTO fleet_cost_samples (sample_minute, line, tenant_id, cpu, memory, total)
       SELECT $1, * FROM unnest($2::text[], $3::uuid[], $4::numeric[], $5::numeric[], $6::numeric[])`,
      [m, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2].cpu), rows.map((r) => r[2].memory), rows.map((r) => r[2].total)],
    );
  });
}

/** One collection: the catalogue's infrastructure rates in force now, the fleet, the store. */
export async function collectFleetCost(db: PgPool, kube: Kube, now = new Date()): Promise<FleetAllocation> {
  const rates = await ratesAt(db, now);
  if (!rates) throw new Error('fleet cost: the price catalogue in force has no infrastructure rates (rates.cpuHour, rates.gbHour)');
  const snap = await readFleet(kube);
  const allocation = allocateSample(snap, rates);
  await storeSample(db, now, allocation);
  await storeWorkloadSamples(db, now, workloadMinutes(snap));
  return allocation;
}
