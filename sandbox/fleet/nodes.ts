// Node pools: the nodes each pool starts with, a cluster autoscaler that adds a node when
// pods stay unschedulable and removes empty ones above the pool minimum, and spot reclaims
// (a warning event, a cordon, then the node goes and its pods with it). The autoscaler reads
// pod priority as the real one does: pods below --expendable-pods-priority-cutoff neither
// trigger a scale-up nor keep a node, and pods nominated to a node (waiting for preemption
// victims to go) do not trigger one.
import type { ObjectStore } from '../k8s/store.ts';
import { k8sTime } from '../k8s/store.ts';
import { resourceByKey } from '../k8s/resources.ts';
import { formatBytes } from '../k8s/quantity.ts';
import type { KObject, StoredObject } from '../k8s/types.ts';
import {
  CAPACITY_TYPE_LABEL, INSTANCE_TYPES, INSTANCE_TYPE_LABEL, NODE_POOL_LABEL, PRICE_ANNOTATION, REGION_LABEL, SPOT_TAINT_KEY, ZONE_LABEL,
  type FleetTimings, type NodePoolSpec,
} from './catalogue.ts';
import { fitFailure } from './scheduling.ts';
import { podPriority } from './preemption.ts';
import type { ControlPlane } from './control-plane.ts';
import type { Random } from './random.ts';

const NODES = resourceByKey('nodes');
const PODS = resourceByKey('pods');
export const POOL_NAME_LABEL = 'pilothouse.io/pool';
/** aws-node-termination-handler's spot interruption taint */
export const SPOT_ITN_TAINT = 'aws-node-termination-handler/spot-itn';
/** when a reclaimed node goes (the instance-action notice's time) */
export const DEADLINE_ANNOTATION = 'pilothouse.io/interruption-deadline';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
/**
 * cluster-autoscaler's --expendable-pods-priority-cutoff default. Strictly below it a pod is
 * expendable; the overprovisioning recipe's placeholders run at exactly -10, so they do
 * trigger scale-ups.
 */
export const EXPENDABLE_PODS_PRIORITY_CUTOFF = -10;

export const isExpendable = (pod: KObject, cutoff = EXPENDABLE_PODS_PRIORITY_CUTOFF): boolean => podPriority(pod) < cutoff;

/**
 * The pending pods a scale-up is for (FilterOutExpendableAndSplit): not expendable, and not
 * nominated to a node that still exists (those wait for their victims, not for a new node).
 */
export function scaleUpCandidates<T extends KObject>(pending: T[], nodeNames: Set<string>, cutoff = EXPENDABLE_PODS_PRIORITY_CUTOFF): T[] {
  return pending.filter((p) => !isExpendable(p, cutoff) && !(p.status?.nominatedNodeName && nodeNames.has(p.status.nominatedNodeName)));
}

/** Reserved for the kubelet and system daemons, as on a real node. */
const SYSTEM_CPU = 0.1;
const SYSTEM_MEMORY_GIB = 1;

export function nodeManifest(pool: NodePoolSpec, name: string, zone: string, ip: string): KObject {
  const it = INSTANCE_TYPES.find((i) => i.name === pool.instanceType);
  if (!it) throw new Error(`unknown instance type ${pool.instanceType}`);
  const price = pool.capacityType === 'spot' ? it.spotPerHour : it.onDemandPerHour;
  const capacity = { cpu: String(it.cpu), memory: formatBytes(it.memoryGiB * 2 ** 30), pods: '110', 'ephemeral-storage': formatBytes(200 * 2 ** 30) };
  return {
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        [REGION_LABEL]: pool.region, [ZONE_LABEL]: zone, [INSTANCE_TYPE_LABEL]: it.name,
        [NODE_POOL_LABEL]: pool.capacityType, [CAPACITY_TYPE_LABEL]: pool.capacityType, [POOL_NAME_LABEL]: pool.name,
      },
      annotations: { [PRICE_ANNOTATION]: String(price) },
    },
    spec: {
      providerID: `sandbox:///${pool.region}/${name}`,
      ...(pool.capacityType === 'spot' ? { taints: [{ key: SPOT_TAINT_KEY, value: 'true', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      capacity,
      allocatable: { ...capacity, cpu: `${Math.round((it.cpu - SYSTEM_CPU) * 1000)}m`, memory: formatBytes((it.memoryGiB - SYSTEM_MEMORY_GIB) * 2 ** 30) },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID' },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ].map((c) => ({ ...c, lastHeartbeatTime: k8sTime(), lastTransitionTime: k8sTime() })),
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      nodeInfo: {
        kubeletVersion: 'v1.33.0', kubeProxyVersion: 'v1.33.0', containerRuntimeVersion: 'containerd://2.0.0',
        operatingSystem: 'linux', architecture: 'amd64', osImage: 'Bottlerocket OS 1.30.0', kernelVersion: '6.1.0',
        machineID: '', systemUUID: '', bootID: '',
      },
    },
  };
}

export class NodePools {
  private serial = 0;
  private readonly provisioning: Array<{ pool: NodePoolSpec; at: number }> = [];
  private readonly emptySince = new Map<string, number>();
  private readonly reclaiming = new Map<string, number>();
  private readonly store: ObjectStore;
  private readonly pools: NodePoolSpec[];
  private readonly timings: FleetTimings;
  private readonly rnd: Random;
  private readonly controlPlane: ControlPlane;
  private readonly now: () => number;

  constructor(store: ObjectStore, pools: NodePoolSpec[], timings: FleetTimings, rnd: Random, controlPlane: ControlPlane, now: () => number = Date.now) {
    this.store = store;
    this.pools = pools;
    this.timings = timings;
    this.rnd = rnd;
    this.controlPlane = controlPlane;
    this.now = now;
  }

  /** Creates each pool's initial nodes (if the pool has none yet). */
  init(): void {
    for (const pool of this.pools) {
      const have = this.nodesOf(pool).length;
      for (let i = have; i < pool.initial; i++) this.addNode(pool);
    }
  }

  nodesOf(pool: NodePoolSpec): StoredObject[] {
    return this.store.list(NODES, undefined).items.filter((n) => n.metadata.labels?.[POOL_NAME_LABEL] === pool.name);
  }

  addNode(pool: NodePoolSpec): StoredObject {
    const n = this.serial++;
    const zone = pool.zones[n % pool.zones.length]!;
    const name = `ip-10-${(n >> 8) % 256}-${n % 256}-${Math.floor(this.rnd() * 250)}.${pool.region}.compute.internal`;
    return this.store.create(NODES, undefined, nodeManifest(pool, name, zone, `10.0.${(n >> 8) % 256}.${n % 256}`));
  }

  reconcile(): void {
    this.scaleUp();
    this.scaleDown();
    this.spot();
  }

  private scaleUp(): void {
    const now = this.now();
    for (const p of this.provisioning.filter((x) => now >= x.at)) {
      this.provisioning.splice(this.provisioning.indexOf(p), 1);
      if (this.nodesOf(p.pool).length < p.pool.max) this.addNode(p.pool);
    }
    const nodeNames = new Set(this.store.list(NODES, undefined).items.map((n) => n.metadata.name));
    const due = this.controlPlane.unschedulable().filter((u) => u.sinceMs >= this.timings.scaleUpDelayMs);
    const wanted = new Set(scaleUpCandidates(due.map((u) => u.pod), nodeNames));
    const waiting = due.filter((u) => wanted.has(u.pod));
    if (!waiting.length) return;
    // One node per pool per round, in the first pool whose fresh node would take the pod.
    const asked = new Set<string>();
    for (const { pod } of waiting) {
      for (const pool of this.pools) {
        if (asked.has(pool.name)) continue;
        const count = this.nodesOf(pool).length + this.provisioning.filter((x) => x.pool === pool).length;
        if (count >= pool.max) continue;
        const template = nodeManifest(pool, 'template', pool.zones[0]!, '0.0.0.0') as StoredObject;
        if (fitFailure(pod, template, [])) continue;
        if (this.provisioning.some((x) => x.pool === pool)) { asked.add(pool.name); break; }
        this.provisioning.push({ pool, at: now + this.timings.nodeProvisionMs });
        asked.add(pool.name);
        this.controlPlane.event(pod, 'Normal', 'TriggeredScaleUp', `pod triggered scale-up: [{${pool.name} ${count}->${count + 1} (max: ${pool.max})}]`, 'cluster-autoscaler');
        break;
      }
    }
  }

  private scaleDown(): void {
    const now = this.now();
    const pods = this.store.list(PODS, undefined).items;
    for (const pool of this.pools) {
      const nodes = this.nodesOf(pool);
      let count = nodes.length;
      for (const node of nodes) {
        // Expendable pods do not keep a node; they go with it.
        const busy = pods.some((p) => p.spec?.nodeName === node.metadata.name && !isExpendable(p));
        if (busy) { this.emptySince.delete(node.metadata.name); continue; }
        const since = this.emptySince.get(node.metadata.name) ?? now;
        this.emptySince.set(node.metadata.name, since);
        if (count > pool.min && now - since >= this.timings.scaleDownAfterMs && !this.reclaiming.has(node.metadata.name)) {
          this.store.delete(NODES, undefined, node.metadata.name);
          this.emptySince.delete(node.metadata.name);
          count--;
        }
      }
    }
  }

  private spot(): void {
    const now = this.now();
    for (const [name, at] of this.reclaiming) {
      if (now < at) continue;
      this.reclaiming.delete(name);
      if (this.store.tryGet(NODES, undefined, name)) this.store.delete(NODES, undefined, name);
    }
    const rate = this.timings.spotInterruptionsPerHour;
    if (rate <= 0) return;
    const p = rate * (this.timings.tickMs / 3_600_000);
    for (const pool of this.pools.filter((x) => x.capacityType === 'spot')) {
      for (const node of this.nodesOf(pool)) {
        if (this.reclaiming.has(node.metadata.name) || this.rnd() >= p) continue;
        this.reclaim(node);
      }
    }
  }

  /**
   * A spot reclaim as a node termination handler reports it: a warning event, the node
   * cordoned and tainted `aws-node-termination-handler/spot-itn` with the instance-action
   * time as an annotation (the deadline), and the node's removal at that deadline.
   */
  reclaim(node: StoredObject): { deadline: string } {
    const at = this.now();
    const deadline = at + this.timings.spotNoticeMs;
    this.reclaiming.set(node.metadata.name, deadline);
    this.controlPlane.event(node, 'Warning', 'SpotInterruption', `Spot instance ${node.metadata.name} will be reclaimed in ${Math.round(this.timings.spotNoticeMs / 1000)} s`, 'sandbox-cloud-provider');
    const added = k8sTime(new Date(at));
    const taints = [
      ...(node.spec?.taints ?? []).filter((t: { key: string }) => t.key !== 'node.kubernetes.io/unschedulable' && t.key !== SPOT_ITN_TAINT),
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: added },
      { key: SPOT_ITN_TAINT, value: `spot-itn-${Math.floor(at / 1000)}`, effect: 'NoSchedule', timeAdded: added },
    ];
    const cur = this.store.get(NODES, undefined, node.metadata.name);
    const annotations = { ...cur.metadata.annotations, [DEADLINE_ANNOTATION]: new Date(deadline).toISOString() };
    this.store.update(NODES, undefined, cur.metadata.name, { ...cur, metadata: { ...cur.metadata, annotations }, spec: { ...cur.spec, unschedulable: true, taints } });
    return { deadline: new Date(deadline).toISOString() };
  }

  /**
   * The node stops posting status (kubelet dead, network cut): the node lifecycle controller
   * sets Ready to Unknown, taints it unreachable, and marks its pods not ready. Its pods stay
   * bound; a graceful delete of them never finishes (no kubelet confirms it), a forced one does.
   */
  fail(name: string): void {
    const cur = this.store.get(NODES, undefined, name);
    const t = k8sTime(new Date(this.now()));
    const conditions = (cur.status?.conditions ?? []).map((c: any) => (['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type)
      ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t }
      : c));
    const taints = [
      ...(cur.spec?.taints ?? []).filter((x: { key: string }) => x.key !== UNREACHABLE_TAINT),
      { key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: t },
      { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: t },
    ];
    const withTaints = this.store.update(NODES, undefined, name, { ...cur, spec: { ...cur.spec, taints } });
    this.store.update(NODES, undefined, name, { ...withTaints, status: { ...withTaints.status, conditions } }, { subresource: 'status' });
    this.controlPlane.nodeLost(name);
  }

  /** The kubelet is back: Ready again, the unreachable taints lifted. */
  recover(name: string): void {
    const cur = this.store.get(NODES, undefined, name);
    const t = k8sTime(new Date(this.now()));
    const ok: Record<string, [string, string]> = {
      Ready: ['True', 'KubeletReady'], MemoryPressure: ['False', 'KubeletHasSufficientMemory'],
      DiskPressure: ['False', 'KubeletHasNoDiskPressure'], PIDPressure: ['False', 'KubeletHasSufficientPID'],
    };
    const conditions = (cur.status?.conditions ?? []).map((c: any) => (ok[c.type]
      ? { ...c, status: ok[c.type]![0], reason: ok[c.type]![1], message: c.type === 'Ready' ? 'kubelet is posting ready status' : '', lastTransitionTime: t, lastHeartbeatTime: t }
      : c));
    const taints = (cur.spec?.taints ?? []).filter((x: { key: string }) => x.key !== UNREACHABLE_TAINT);
    const next = this.store.update(NODES, undefined, name, { ...cur, spec: { ...cur.spec, taints } });
    this.store.update(NODES, undefined, name, { ...next, status: { ...next.status, conditions } }, { subresource: 'status' });
  }
}
