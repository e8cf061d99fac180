// The live fleet as operators read it: regions → node pools → nodes, with what the pods
// request of each node, spot share, workspace pods waiting, and what the nodes cost an hour.
// Pure: the node and pod lists (as the Kubernetes client in kube/ returns them) in, the summary out.
import type { V1Node, V1Pod } from '../../kube/client.ts';
import { Decimal } from 'decimal.js';
import { parseQuantity } from '../../kube/quantity.ts';
import { annotatedPrice, capacityTypeOf, firstLabel as first, INSTANCE_TYPE_LABELS, POOL_LABELS, REGION_LABELS, WORKSPACE_LABEL, ZONE_LABELS, type CapacityType } from '../../kube/labels.ts';
import { podRequests } from '../../kube/pod-requests.ts';
import type { RatesT } from '../cost/catalog.ts';
import { listedPrice } from '../cost/allocation.ts';

/** nodes that name no region are grouped under this one */
export const UNKNOWN_REGION = 'unknown';

const GIB = 1024 ** 3;

export interface Capacity {
  /** cores */
  cpuAllocatable: number;
  /** cores requested by the non-terminated pods bound to the nodes */
  cpuRequested: number;
  /** requested ÷ allocatable; null with nothing allocatable */
  cpuUtilisation: number | null;
  memoryAllocatableBytes: number;
  memoryRequestedBytes: number;
  memoryUtilisation: number | null;
}

export interface NodeView extends Capacity {
  name: string;
  zone: string | null;
  instanceType: string | null;
  ready: boolean;
  /** spec.unschedulable: no new pods land here (a drain, a spot reclaim) */
  cordoned: boolean;
  /** non-terminated pods bound to the node */
  pods: number;
  createdAt: string | null;
  ageSeconds: number | null;
  /** USD per hour; null when neither the node's annotation nor the catalogue prices it */
  pricePerHour: number | null;
  priceSource: 'annotation' | 'catalogue' | null;
}

export interface PoolView extends Capacity {
  name: string;
  capacityType: CapacityType;
  instanceTypes: string[];
  /** the price of one node an hour when every node of the pool has the same, else null */
  pricePerNodeHour: number | null;
  /** what the pool's priced nodes cost an hour together */
  costPerHour: number;
  nodes: NodeView[];
}

export interface FleetTotals extends Capacity {
  nodes: number;
  readyNodes: number;
  cordonedNodes: number;
  /** spot allocatable cpu ÷ all allocatable cpu; null with none */
  spotCpuShare: number | null;
  workspacePodsRunning: number;
  workspacePodsPending: number;
  /** pending pods the scheduler could not place (PodScheduled=False, reason Unschedulable) */
  unschedulablePods: number;
  /** what the priced nodes cost an hour */
  costPerHour: number;
  /** nodes with no price (no annotation, no catalogue rates) left out of costPerHour */
  unpricedNodes: number;
}

export interface RegionView { name: string; totals: FleetTotals; pools: PoolView[] }

export interface FleetSummary {
  observedAt: string;
  regions: RegionView[];
  /** the whole fleet, including pods that are in no region */
  totals: FleetTotals;
  /** pending pods that are neither bound to a node nor ask for a region */
  noRegion: { workspacePodsPending: number; unschedulablePods: number };
}

const num = (q: string | undefined) => (q === undefined ? 0 : parseQuantity(q) ?? 0);
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const money = (d: Decimal) => d.toDecimalPlaces(6).toNumber();

export const regionOfNode = (n: V1Node) => first(n.metadata?.labels, REGION_LABELS) ?? UNKNOWN_REGION;

/** The region a pod asks for: its nodeSelector, else a required node affinity naming one region. */
export function regionAskedBy(pod: V1Pod): string | undefined {
  const selected = first(pod.spec?.nodeSelector, REGION_LABELS);
  if (selected) return selected;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const regions = new Set(terms.flatMap((t) => (t.matchExpressions ?? [])
    .filter((e) => REGION_LABELS.includes(e.key) && e.operator === 'In')
    .flatMap((e) => e.values ?? [])));
  return regions.size === 1 ? [...regions][0] : undefined;
}


const terminated = (p: V1Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isUnschedulable = (p: V1Pod) => p.status?.phase === 'Pending' && !p.spec?.nodeName
  && (p.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');

function nodePrice(n: V1Node, capacityType: CapacityType, rates: RatesT | undefined): Pick<NodeView, 'pricePerHour' | 'priceSource'> {
  const annotated = annotatedPrice(n.metadata?.annotations);
  if (annotated !== undefined) return { pricePerHour: annotated, priceSource: 'annotation' };
  if (!rates) return { pricePerHour: null, priceSource: null };
  // As the fleet cost collector prices nodes without a price of their own.
  const price = listedPrice({ pool: capacityType, cpu: num(n.status?.capacity?.cpu), memoryGb: num(n.status?.capacity?.memory) / GIB }, rates);
  return { pricePerHour: money(price), priceSource: 'catalogue' };
}

function capacity(cpuAllocatable: number, cpuRequested: number, memoryAllocatableBytes: number, memoryRequestedBytes: number): Capacity {
  // Millicores and whole bytes, as Kubernetes counts them (and no 0.30000000000000004).
  cpuAllocatable = Math.round(cpuAllocatable * 1000) / 1000;
  cpuRequested = Math.round(cpuRequested * 1000) / 1000;
  memoryAllocatableBytes = Math.round(memoryAllocatableBytes);
  memoryRequestedBytes = Math.round(memoryRequestedBytes);
  return {
    cpuAllocatable, cpuRequested, cpuUtilisation: ratio(cpuRequested, cpuAllocatable),
    memoryAllocatableBytes, memoryRequestedBytes, memoryUtilisation: ratio(memoryRequestedBytes, memoryAllocatableBytes),
  };
}

interface Counts { workspacePodsRunning: number; workspacePodsPending: number; unschedulablePods: number }
const noCounts = (): Counts => ({ workspacePodsRunning: 0, workspacePodsPending: 0, unschedulablePods: 0 });

function totalsOf(pools: { capacityType: CapacityType; nodes: NodeView[] }[], counts: Counts): FleetTotals {
  const nodes = pools.flatMap((p) => p.nodes);
  const add = (f: (n: NodeView) => number, of = nodes) => of.reduce((s, n) => s + f(n), 0);
  const spotCpu = add((n) => n.cpuAllocatable, pools.filter((p) => p.capacityType === 'spot').flatMap((p) => p.nodes));
  const cpu = add((n) => n.cpuAllocatable);
  return {
    nodes: nodes.length,
    readyNodes: nodes.filter((n) => n.ready).length,
    cordonedNodes: nodes.filter((n) => n.cordoned).length,
    ...capacity(cpu, add((n) => n.cpuRequested), add((n) => n.memoryAllocatableBytes), add((n) => n.memoryRequestedBytes)),
    spotCpuShare: ratio(spotCpu, cpu),
    ...counts,
    costPerHour: money(nodes.reduce((s, n) => s.add(n.pricePerHour ?? 0), new Decimal(0))),
    unpricedNodes: nodes.filter((n) => n.pricePerHour === null).length,
  };
}

/**
 * Summarises the fleet at `now`. `rates` (the price catalogue's infrastructure rates in
 * force) prices nodes that carry no price annotation.
 */
export function summarizeFleet(nodes: readonly V1Node[], pods: readonly V1Pod[], opts: { now: Date; rates?: RatesT }): FleetSummary {
  const live = pods.filter((p) => !terminated(p));
  const onNode = new Map<string, V1Pod[]>();
  for (const p of live) {
    if (!p.spec?.nodeName) continue;
    const list = onNode.get(p.spec.nodeName) ?? [];
    list.push(p);
    onNode.set(p.spec.nodeName, list);
  }

  const regionOf = new Map<string, string>();
  const regions = new Map<string, Map<string, { name: string; capacityType: CapacityType; nodes: NodeView[] }>>();
  for (const n of nodes) {
    const name = n.metadata?.name ?? '';
    const labels = n.metadata?.labels;
    const region = regionOfNode(n);
    regionOf.set(name, region);
    const capacityType = capacityTypeOf(labels);
    const requested = (onNode.get(name) ?? []).map(podRequests);
    const created = n.metadata?.creationTimestamp ? new Date(n.metadata.creationTimestamp) : undefined;
    const view: NodeView = {
      name,
      zone: first(labels, ZONE_LABELS) ?? null,
      instanceType: first(labels, INSTANCE_TYPE_LABELS) ?? null,
      ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      cordoned: n.spec?.unschedulable === true,
      pods: requested.length,
      createdAt: created?.toISOString() ?? null,
      ageSeconds: created ? Math.max(0, Math.floor((opts.now.getTime() - created.getTime()) / 1000)) : null,
      ...capacity(num(n.status?.allocatable?.cpu), requested.reduce((s, r) => s + r.cpu, 0), num(n.status?.allocatable?.memory), requested.reduce((s, r) => s + r.memory, 0)),
      ...nodePrice(n, capacityType, opts.rates),
    };
    // A pool that mixes capacity types (a Karpenter NodePool may) shows as one row per type.
    const poolName = first(labels, POOL_LABELS) ?? capacityType;
    const pools = regions.get(region) ?? new Map();
    regions.set(region, pools);
    const key = `${poolName}|${capacityType}`;
    const pool = pools.get(key) ?? { name: poolName, capacityType, nodes: [] };
    pools.set(key, pool);
    pool.nodes.push(view);
  }

  const counts = new Map<string, Counts>();
  const noRegion = { workspacePodsPending: 0, unschedulablePods: 0 };
  const all = noCounts();
  for (const p of live) {
    const workspace = p.metadata?.labels?.[WORKSPACE_LABEL] !== undefined;
    const unschedulable = isUnschedulable(p);
    const running = workspace && p.status?.phase === 'Running';
    const pending = workspace && p.status?.phase === 'Pending';
    if (!running && !pending && !unschedulable) continue;
    const region = (p.spec?.nodeName ? regionOf.get(p.spec.nodeName) : undefined) ?? regionAskedBy(p);
    const into = [all];
    if (region !== undefined) {
      if (!counts.has(region)) counts.set(region, noCounts());
      into.push(counts.get(region)!);
    } else {
      if (pending) noRegion.workspacePodsPending++;
      if (unschedulable) noRegion.unschedulablePods++;
    }
    for (const c of into) {
      if (running) c.workspacePodsRunning++;
      if (pending) c.workspacePodsPending++;
      if (unschedulable) c.unschedulablePods++;
    }
  }

  const names = [...new Set([...regions.keys(), ...counts.keys()])].sort();
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const regionViews: RegionView[] = names.map((name) => {
    const pools = [...(regions.get(name)?.values() ?? [])].sort((a, b) => byName(a, b) || a.capacityType.localeCompare(b.capacityType));
    return {
      name,
      totals: totalsOf(pools, counts.get(name) ?? noCounts()),
      pools: pools.map((p) => {
        const nodesSorted = [...p.nodes].sort(byName);
        const { cpuAllocatable, cpuRequested, cpuUtilisation, memoryAllocatableBytes, memoryRequestedBytes, memoryUtilisation, costPerHour } = totalsOf([p], noCounts());
        const prices = new Set(nodesSorted.map((n) => n.pricePerHour));
        return {
          name: p.name,
          capacityType: p.capacityType,
          instanceTypes: [...new Set(nodesSorted.flatMap((n) => (n.instanceType ? [n.instanceType] : [])))].sort(),
          pricePerNodeHour: prices.size === 1 ? [...prices][0]! : null,
          costPerHour,
          cpuAllocatable, cpuRequested, cpuUtilisation, memoryAllocatableBytes, memoryRequestedBytes, memoryUtilisation,
          nodes: nodesSorted,
        };
      }),
    };
  });
  return {
    observedAt: opts.now.toISOString(),
    regions: regionViews,
    totals: totalsOf([...regions.values()].flatMap((m) => [...m.values()]), all),
    noRegion,
  };
}
