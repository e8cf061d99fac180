// The simulated control plane: what kube-controller-manager, the scheduler and the kubelets
// do to the objects in the sandbox store. Deployments get ReplicaSets, ReplicaSets get pods,
// pods are bound to nodes that have room, then go Pending → Running → Ready after
// configured delays; claims bind; PodDisruptionBudgets and workload statuses follow.
// Everything is written through the store, so clients see ordinary resourceVersion changes.
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../k8s/store.ts';
import { k8sTime } from '../k8s/store.ts';
import { resourceByKey } from '../k8s/resources.ts';
import { ApiError } from '../k8s/status.ts';
import { fromLabelSelector, matchesLabels } from '../k8s/selectors.ts';
import type { KObject, StoredObject } from '../k8s/types.ts';
import { filterNode, NO_NODES_MESSAGE, pickNode, unschedulableMessage } from './scheduling.ts';
import { podPriority, preempt, preemptionCondition, type NodeView } from './preemption.ts';
import type { FleetTimings } from './catalogue.ts';
import { between, type Random } from './random.ts';

const R = {
  pods: resourceByKey('pods'),
  nodes: resourceByKey('nodes'),
  deployments: resourceByKey('apps/deployments'),
  replicasets: resourceByKey('apps/replicasets'),
  pvcs: resourceByKey('persistentvolumeclaims'),
  pdbs: resourceByKey('policy/poddisruptionbudgets'),
  events: resourceByKey('events'),
  namespaces: resourceByKey('namespaces'),
};

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** pod-template-hash: a short, stable name for a pod template (as the deployment controller makes). */
export function templateHash(template: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(template)).digest();
  return Array.from(h.subarray(0, 10), (b) => SAFE[b % SAFE.length]).join('');
}

interface PodClock { boundAt: number; runningAt: number; readyAt: number }

const isTerminal = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
/** A pod carrying this annotation crash-loops (its containers exit at once): a fault for tests and drills. */
export const CRASH_LOOP_ANNOTATION = 'sandbox.pilothouse.io/crash-loop';

const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
/** Objects grouped by the uid of each owner they name (one list, many lookups). */
function byOwner(items: StoredObject[]): Map<string, StoredObject[]> {
  const out = new Map<string, StoredObject[]>();
  for (const o of items) for (const r of o.metadata.ownerReferences ?? []) out.set(r.uid, [...(out.get(r.uid) ?? []), o]);
  return out;
}

function byNamespace(items: StoredObject[]): Map<string, StoredObject[]> {
  const out = new Map<string, StoredObject[]>();
  for (const o of items) out.set(o.metadata.namespace ?? '', [...(out.get(o.metadata.namespace ?? '') ?? []), o]);
  return out;
}

const ownerRef = (o: StoredObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true });

function setCondition(conditions: any[] | undefined, next: { type: string; status: string; reason?: string; message?: string }, now: string): any[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const changed = !prev || prev.status !== next.status;
  const cond = { ...prev, ...next, lastTransitionTime: changed ? now : prev.lastTransitionTime };
  if (!next.reason) delete cond.reason;
  if (!next.message) delete cond.message;
  if (i >= 0) list[i] = cond; else list.push(cond);
  return list;
}

export class ControlPlane {
  private readonly clocks = new Map<string, PodClock>();
  private readonly unschedulableSince = new Map<string, number>();
  private readonly lastSchedulingEvent = new Map<string, number>();
  private readonly pvcSeen = new Map<string, number>();
  private readonly crashSeen = new Map<string, number>();
  private podIp = 0;
  private lastExpiry = 0;

  private readonly store: ObjectStore;
  private readonly timings: FleetTimings;
  private readonly rnd: Random;
  private readonly now: () => number;

  constructor(store: ObjectStore, timings: FleetTimings, rnd: Random, now: () => number = Date.now) {
    this.store = store;
    this.timings = timings;
    this.rnd = rnd;
    this.now = now;
    store.gracefulPodDeletion = true;
  }

  /** One pass of every controller; cheap enough to run every tick. */
  reconcile(): void {
    this.deployments();
    this.replicaSets();
    this.podGarbageCollector();
    this.scheduler();
    this.kubelets();
    this.claims();
    this.disruptionBudgets();
    this.deploymentStatuses();
    this.expireEvents();
  }

  /** Pods that no node can take now, with how long they have waited (for the autoscaler). */
  unschedulable(): Array<{ pod: StoredObject; sinceMs: number }> {
    const out: Array<{ pod: StoredObject; sinceMs: number }> = [];
    for (const pod of this.store.list(R.pods, undefined).items) {
      const since = this.unschedulableSince.get(pod.metadata.uid);
      if (since !== undefined && !pod.spec?.nodeName && !pod.metadata.deletionTimestamp) out.push({ pod, sinceMs: this.now() - since });
    }
    return out;
  }

  /** Records a Kubernetes Event about `obj`, as controllers and kubelets do. */
  event(obj: StoredObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, extra: { related?: StoredObject; action?: string } = {}): void {
    const ns = obj.metadata.namespace ?? 'default';
    if (!this.store.tryGet(R.namespaces, undefined, ns)) return;
    const t = k8sTime(new Date(this.now()));
    try {
      this.store.create(R.events, ns, {
        metadata: { name: `${obj.metadata.name}.${(this.now() * 1000 + Math.floor(this.rnd() * 1000)).toString(16)}`, namespace: ns },
        involvedObject: { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid, apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion },
        reason, message, type, count: 1, firstTimestamp: t, lastTimestamp: t,
        source: { component, ...(obj.spec?.nodeName ? { host: obj.spec.nodeName } : {}) },
        reportingComponent: component, reportingInstance: component,
        ...(extra.action ? { action: extra.action } : {}),
        ...(extra.related ? { related: { kind: extra.related.kind, namespace: extra.related.metadata.namespace, name: extra.related.metadata.name, uid: extra.related.metadata.uid, apiVersion: extra.related.apiVersion, resourceVersion: extra.related.metadata.resourceVersion } } : {}),
      });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }

  private safeUpdate(fn: () => void): void {
    try { fn(); } catch (err) {
      // A client wrote the object between our read and write, or deleted it: next tick.
      if (!(err instanceof ApiError) || ![404, 409].includes(err.code)) throw err;
    }
  }

  private deployments(): void {
    const rsByOwner = byOwner(this.store.list(R.replicasets, undefined).items);
    for (const d of this.store.list(R.deployments, undefined).items) {
      if (d.metadata.deletionTimestamp) continue;
      const hash = templateHash(d.spec.template);
      const owned = rsByOwner.get(d.metadata.uid) ?? [];
      const current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
      const old = owned.filter((rs) => rs !== current);
      const oldPods = old.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
      for (const rs of old) {
        if ((rs.spec?.replicas ?? 0) !== 0) {
          this.safeUpdate(() => this.store.update(R.replicasets, rs.metadata.namespace, rs.metadata.name, { ...rs, spec: { ...rs.spec, replicas: 0 } }));
          this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${rs.metadata.name} from ${rs.spec?.replicas} to 0`, 'deployment-controller');
        }
      }
      // Recreate: the new pods wait until the old ones are gone.
      const want = d.spec.strategy?.type === 'Recreate' && oldPods > 0 ? 0 : d.spec.replicas ?? 1;
      if (!current) {
        const labels = { ...d.spec.template.metadata?.labels, 'pod-template-hash': hash };
        const selector = { ...d.spec.selector, matchLabels: { ...d.spec.selector?.matchLabels, 'pod-template-hash': hash } };
        this.safeUpdate(() => {
          const rs = this.store.create(R.replicasets, d.metadata.namespace, {
            metadata: { name: `${d.metadata.name}-${hash}`, labels, ownerReferences: [ownerRef(d)], annotations: { 'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1) } },
            spec: { replicas: want, selector, template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } } },
          });
          this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to ${want}`, 'deployment-controller');
        });
      } else if ((current.spec?.replicas ?? 0) !== want) {
        this.safeUpdate(() => this.store.update(R.replicasets, current.metadata.namespace, current.metadata.name, { ...current, spec: { ...current.spec, replicas: want } }));
        this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${want > (current.spec?.replicas ?? 0) ? 'up' : 'down'} replica set ${current.metadata.name} from ${current.spec?.replicas ?? 0} to ${want}`, 'deployment-controller');
      }
    }
  }

  private replicaSets(): void {
    const podsByOwner = byOwner(this.store.list(R.pods, undefined).items);
    for (const rs of this.store.list(R.replicasets, undefined).items) {
      if (rs.metadata.deletionTimestamp) continue;
      const ns = rs.metadata.namespace!;
      const pods = (podsByOwner.get(rs.metadata.uid) ?? []).filter((p) => !isTerminal(p));
      const live = pods.filter((p) => !p.metadata.deletionTimestamp);
      const want = rs.spec?.replicas ?? 0;
      let failure: string | undefined;
      const created: StoredObject[] = [];
      for (let i = live.length; i < want; i++) {
        try {
          const pod = this.store.create(R.pods, ns, {
            metadata: { generateName: `${rs.metadata.name}-`, labels: { ...rs.spec.template.metadata?.labels }, annotations: { ...rs.spec.template.metadata?.annotations }, ownerReferences: [ownerRef(rs)] },
            spec: structuredClone(rs.spec.template.spec),
          });
          created.push(pod);
          this.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          failure = err.message;
          this.event(rs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, 'replicaset-controller');
          break;
        }
      }
      const deleted = new Set<string>();
      if (live.length > want) {
        // Pods that are not yet useful go first: unscheduled, then not ready, then the newest.
        const rank = (p: StoredObject) => (p.spec?.nodeName ? 1 : 0) + (isReady(p) ? 2 : 0);
        const victims = [...live].sort((a, b) => rank(a) - rank(b) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp)).slice(0, live.length - want);
        for (const p of victims) {
          this.safeUpdate(() => this.store.delete(R.pods, ns, p.metadata.name));
          deleted.add(p.metadata.uid);
          this.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'replicaset-controller');
        }
      }
      const fresh = [...live.filter((p) => !deleted.has(p.metadata.uid)), ...created];
      const ready = fresh.filter(isReady).length;
      const now = k8sTime(new Date(this.now()));
      let conditions = rs.status?.conditions as any[] | undefined;
      if (failure) conditions = setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: failure }, now);
      else if (conditions?.some((c) => c.type === 'ReplicaFailure') && fresh.length >= want) conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
      const status = {
        replicas: fresh.length, fullyLabeledReplicas: fresh.length, readyReplicas: ready, availableReplicas: ready,
        observedGeneration: rs.metadata.generation, ...(conditions?.length ? { conditions } : {}),
      };
      this.safeUpdate(() => this.store.update(R.replicasets, ns, rs.metadata.name, { ...rs, status }, { subresource: 'status' }));
    }
  }

  private deploymentStatuses(): void {
    const rsByOwner = byOwner(this.store.list(R.replicasets, undefined).items);
    const podsByOwner = byOwner(this.store.list(R.pods, undefined).items);
    for (const d of this.store.list(R.deployments, undefined).items) {
      const ns = d.metadata.namespace!;
      const hash = templateHash(d.spec.template);
      const owned = rsByOwner.get(d.metadata.uid) ?? [];
      const pods = owned.flatMap((rs) => podsByOwner.get(rs.metadata.uid) ?? []).filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
      const current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
      const want = d.spec.replicas ?? 1;
      const ready = pods.filter(isReady).length;
      const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
      const now = k8sTime(new Date(this.now()));
      let conditions = d.status?.conditions as any[] | undefined;
      conditions = setCondition(conditions, ready >= want
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
      const complete = updated === want && ready >= want && pods.length === want;
      conditions = setCondition(conditions, {
        type: 'Progressing', status: 'True',
        reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        message: complete ? `ReplicaSet "${current?.metadata.name ?? d.metadata.name}" has successfully progressed.` : `ReplicaSet "${current?.metadata.name ?? d.metadata.name}" is progressing.`,
      }, now);
      const failure = current?.status?.conditions?.find((c: any) => c.type === 'ReplicaFailure');
      if (failure) conditions = setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message }, now);
      else conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
      const status: any = {
        observedGeneration: d.metadata.generation, replicas: pods.length, updatedReplicas: updated, readyReplicas: ready,
        availableReplicas: ready, conditions,
      };
      if (want - ready > 0) status.unavailableReplicas = want - ready;
      for (const k of ['readyReplicas', 'availableReplicas', 'updatedReplicas', 'replicas'] as const) if (status[k] === 0) delete status[k];
      // Conditions keep their lastUpdateTime only when something changes; compare without it.
      this.safeUpdate(() => this.store.update(R.deployments, ns, d.metadata.name, { ...d, status }, { subresource: 'status' }));
    }
  }

  /** Pods bound to a node that no longer exists are deleted (the pod garbage collector). */
  private podGarbageCollector(): void {
    const nodes = new Set(this.store.list(R.nodes, undefined).items.map((n) => n.metadata.name));
    for (const p of this.store.list(R.pods, undefined).items) {
      if (p.spec?.nodeName && !nodes.has(p.spec.nodeName)) {
        this.clocks.delete(p.metadata.uid);
        this.store.finishPodDeletion(p.metadata.namespace!, p.metadata.name);
      }
    }
  }

  /**
   * The default scheduler, one pass over the queue: highest priority first (PrioritySort),
   * each pod tried on its nominated node first, then on every node, counting the room that
   * pods nominated there of at least its priority are waiting for. A pod that fits nowhere
   * goes to preemption (sandbox/fleet/preemption.ts); it binds on a later pass, once its
   * victims are gone.
   */
  private scheduler(): void {
    const nodes = this.store.list(R.nodes, undefined).items;
    const pods = this.store.list(R.pods, undefined).items;
    const pdbs = this.store.list(R.pdbs, undefined).items;
    const byNode = new Map<string, StoredObject[]>(nodes.map((n) => [n.metadata.name, []]));
    for (const p of pods) if (p.spec?.nodeName) byNode.get(p.spec.nodeName)?.push(p);
    const now = this.now();
    const pending = pods.filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp && (p.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler')
      .sort((a, b) => podPriority(b) - podPriority(a) || a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
    // The scheduler's nominator: which pending pod waits for room on which node.
    const nominated = new Map<string, { pod: StoredObject; node: string }>();
    for (const p of pending) if (p.status?.nominatedNodeName) nominated.set(p.metadata.uid, { pod: p, node: p.status.nominatedNodeName });
    for (const pod of pending) {
      const prio = podPriority(pod);
      const nominatedOn = (node: string) => [...nominated.values()]
        .filter((n) => n.node === node && n.pod.metadata.uid !== pod.metadata.uid && podPriority(n.pod) >= prio).map((n) => n.pod);
      const views: NodeView[] = nodes.map((node) => {
        const on = byNode.get(node.metadata.name) ?? [];
        const others = nominatedOn(node.metadata.name);
        return { node, pods: on, nominated: others, fit: filterNode(pod, node, [...on, ...others]) };
      });
      const t = k8sTime(new Date(now));
      const fits = (v: NodeView) => v.fit.reasons.length === 0;
      const nominatedView = views.find((v) => v.node.metadata.name === pod.status?.nominatedNodeName);
      const chosen = (nominatedView && fits(nominatedView)
        ? nominatedView.node
        : pickNode(pod, views.filter(fits).map((v) => ({ node: v.node, pods: v.pods })))) as StoredObject | undefined;
      if (chosen) {
        this.unschedulableSince.delete(pod.metadata.uid);
        this.lastSchedulingEvent.delete(pod.metadata.uid);
        nominated.delete(pod.metadata.uid);
        const bound = this.bind(pod, chosen, t);
        if (bound) byNode.get(chosen.metadata.name)!.push(bound);
        continue;
      }
      if (!this.unschedulableSince.has(pod.metadata.uid)) this.unschedulableSince.set(pod.metadata.uid, now);
      let message: string;
      let nominate: string | null | undefined; // a node name, null to clear, undefined to keep
      if (nodes.length === 0) message = NO_NODES_MESSAGE;
      else {
        const result = preempt(pod, views, pdbs, now);
        if (result.kind === 'nominate') {
          const node = result.node.metadata.name!;
          for (const victim of result.victims.pods) this.evictForPreemption(victim as StoredObject, pod, node, byNode);
          // Lower-priority pods nominated there may no longer fit: they look again.
          for (const [uid, n] of nominated) {
            if (n.node === node && podPriority(n.pod) < prio) { nominated.delete(uid); this.setNomination(n.pod, null); }
          }
          nominated.set(pod.metadata.uid, { pod, node });
          message = unschedulableMessage(nodes.length, views.map((v) => v.fit));
          nominate = node;
        } else {
          message = unschedulableMessage(nodes.length, views.map((v) => v.fit), result.message);
          if (result.clearNomination && pod.status?.nominatedNodeName) { nominated.delete(pod.metadata.uid); nominate = null; }
        }
      }
      this.safeUpdate(() => {
        const cur = this.store.get(R.pods, pod.metadata.namespace, pod.metadata.name);
        if (cur.spec?.nodeName) return;
        const status = { ...cur.status, phase: 'Pending', conditions: setCondition(cur.status?.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, t) };
        if (nominate) status.nominatedNodeName = nominate;
        else if (nominate === null) delete status.nominatedNodeName;
        this.store.update(R.pods, cur.metadata.namespace, cur.metadata.name, { ...cur, status }, { subresource: 'status' });
      });
      const last = this.lastSchedulingEvent.get(pod.metadata.uid) ?? 0;
      if (now - last > 60_000) {
        this.lastSchedulingEvent.set(pod.metadata.uid, now);
        this.event(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      }
    }
  }

  /** The scheduler's side of a preemption: mark the victim, delete it (gracefully), say why. */
  private evictForPreemption(victim: StoredObject, preemptor: StoredObject, node: string, byNode: Map<string, StoredObject[]>): void {
    const t = k8sTime(new Date(this.now()));
    let deleted = false;
    this.safeUpdate(() => {
      const cur = this.store.get(R.pods, victim.metadata.namespace, victim.metadata.name);
      if (cur.metadata.uid !== victim.metadata.uid) return;
      const conditions = setCondition(cur.status?.conditions, preemptionCondition(preemptor.spec?.schedulerName), t);
      this.store.update(R.pods, cur.metadata.namespace, cur.metadata.name, { ...cur, status: { ...cur.status, conditions } }, { subresource: 'status' });
      this.store.delete(R.pods, cur.metadata.namespace, cur.metadata.name, { preconditions: { uid: victim.metadata.uid } });
      deleted = true;
    });
    // Gone now (no grace period) or terminating, holding its room until the kubelet is done.
    const after = this.store.tryGet(R.pods, victim.metadata.namespace, victim.metadata.name);
    const on = byNode.get(node) ?? [];
    const i = on.findIndex((p) => p.metadata.uid === victim.metadata.uid);
    if (i >= 0) { if (after?.metadata.uid === victim.metadata.uid) on[i] = after; else on.splice(i, 1); }
    if (!after) this.clocks.delete(victim.metadata.uid);
    if (!deleted) return;
    this.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata.uid} on node ${node}`, 'default-scheduler', { related: preemptor, action: 'Preempting' });
  }

  private setNomination(pod: StoredObject, node: string | null): void {
    this.safeUpdate(() => {
      const cur = this.store.get(R.pods, pod.metadata.namespace, pod.metadata.name);
      const status = { ...cur.status };
      if (node) status.nominatedNodeName = node; else delete status.nominatedNodeName;
      this.store.update(R.pods, cur.metadata.namespace, cur.metadata.name, { ...cur, status }, { subresource: 'status' });
    });
  }

  private bind(pod: StoredObject, node: StoredObject, t: string): StoredObject | undefined {
    let bound: StoredObject | undefined;
    this.safeUpdate(() => {
      const withNode = this.store.update(R.pods, pod.metadata.namespace, pod.metadata.name, { ...pod, spec: { ...pod.spec, nodeName: node.metadata.name } });
      const conditions = setCondition(withNode.status?.conditions, { type: 'PodScheduled', status: 'True' }, t);
      bound = this.store.update(R.pods, pod.metadata.namespace, pod.metadata.name, {
        ...withNode,
        status: {
          ...withNode.status, phase: 'Pending', conditions,
          hostIP: node.status?.addresses?.find((a: any) => a.type === 'InternalIP')?.address,
        },
      }, { subresource: 'status' });
    });
    if (!bound) return undefined;
    this.event(bound, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}`, 'default-scheduler');
    const cold = this.rnd() < this.timings.coldStartShare;
    const boundAt = this.now();
    const runningAt = boundAt + between(this.rnd, cold ? this.timings.coldStartMs : this.timings.startMs);
    this.clocks.set(bound.metadata.uid, { boundAt, runningAt, readyAt: runningAt + between(this.rnd, this.timings.readyMs) });
    return bound;
  }

  /**
   * The node lifecycle controller's side of a lost node: its pods are marked not ready
   * (Ready=False), and their kubelet no longer moves them on.
   */
  nodeLost(node: string): void {
    const t = k8sTime(new Date(this.now()));
    for (const pod of this.store.list(R.pods, undefined).items) {
      if (pod.spec?.nodeName !== node) continue;
      this.safeUpdate(() => {
        let conditions = setCondition(pod.status?.conditions, { type: 'Ready', status: 'False', reason: 'NodeLost', message: 'Node is not ready' }, t);
        conditions = setCondition(conditions, { type: 'ContainersReady', status: 'False' }, t);
        this.store.update(R.pods, pod.metadata.namespace, pod.metadata.name, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
      });
    }
  }

  private kubelets(): void {
    const now = this.now();
    const t = k8sTime(new Date(now));
    // A node whose kubelet is not posting status runs nothing on: no starts, no confirmed deletions.
    const lost = new Set(this.store.list(R.nodes, undefined).items
      .filter((n) => (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'Unknown')).map((n) => n.metadata.name));
    for (const pod of this.store.list(R.pods, undefined).items) {
      if (!pod.spec?.nodeName || lost.has(pod.spec.nodeName)) continue;
      const ns = pod.metadata.namespace!;
      if (pod.metadata.deletionTimestamp) {
        const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
        if (now - Date.parse(pod.metadata.deletionTimestamp) >= Math.min(grace, this.timings.terminateMs)) {
          this.clocks.delete(pod.metadata.uid);
          this.store.finishPodDeletion(ns, pod.metadata.name);
        }
        continue;
      }
      let clock = this.clocks.get(pod.metadata.uid);
      if (!clock) {
        // A pod bound before this control plane started (or by someone else): start it now.
        clock = { boundAt: now, runningAt: now + between(this.rnd, this.timings.startMs), readyAt: 0 };
        clock.readyAt = clock.runningAt + between(this.rnd, this.timings.readyMs);
        this.clocks.set(pod.metadata.uid, clock);
      }
      const containers: any[] = pod.spec.containers ?? [];
      if (pod.metadata.annotations?.[CRASH_LOOP_ANNOTATION] === 'true' && now >= clock.runningAt) {
        this.crashLoop(pod, containers, t);
        continue;
      }
      const running = now >= clock.runningAt;
      const ready = now >= clock.readyAt;
      const started = k8sTime(new Date(clock.runningAt));
      if (!running && pod.status?.containerStatuses) continue;
      if (running && !ready && pod.status?.phase === 'Running') continue;
      if (ready && isReady(pod)) continue;
      let conditions = pod.status?.conditions as any[];
      conditions = setCondition(conditions, { type: 'Initialized', status: 'True' }, t);
      conditions = setCondition(conditions, { type: 'PodReadyToStartContainers', status: running ? 'True' : 'False' }, t);
      conditions = setCondition(conditions, ready ? { type: 'ContainersReady', status: 'True' } : { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` }, t);
      conditions = setCondition(conditions, ready ? { type: 'Ready', status: 'True' } : { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` }, t);
      const containerStatuses = containers.map((c) => ({
        name: c.name, image: c.image, imageID: running ? `${c.image.split(':')[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}` : '',
        containerID: running ? `containerd://${createHash('sha256').update(pod.metadata.uid + c.name).digest('hex')}` : undefined,
        ready, started: running, restartCount: 0,
        state: running ? { running: { startedAt: started } } : { waiting: { reason: 'ContainerCreating' } },
      }));
      const status = {
        ...pod.status, phase: running ? 'Running' : 'Pending', conditions, containerStatuses,
        startTime: pod.status?.startTime ?? k8sTime(new Date(clock.boundAt)),
        ...(running ? { podIP: pod.status?.podIP ?? this.nextPodIp(), podIPs: undefined } : {}),
      };
      if (status.podIP) status.podIPs = [{ ip: status.podIP }];
      this.safeUpdate(() => this.store.update(R.pods, ns, pod.metadata.name, { ...pod, status }, { subresource: 'status' }));
      if (running && pod.status?.phase !== 'Running') {
        for (const c of containers) {
          this.event(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, 'kubelet');
          this.event(pod, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet');
        }
      }
    }
  }

  /**
   * A pod marked to crash (a test or demo fault: its containers exit at once) loops as the
   * kubelet's back-off shows it: Running phase, not ready, each container waiting in
   * CrashLoopBackOff with a growing restartCount and the last exit code.
   */
  private crashLoop(pod: StoredObject, containers: any[], t: string): void {
    const prev = (pod.status?.containerStatuses ?? []) as any[];
    const last = this.crashSeen.get(pod.metadata.uid) ?? 0;
    const restarts = Math.max(0, ...prev.map((c) => c.restartCount ?? 0));
    const due = this.now() - last >= this.timings.readyMs[1];
    if (prev.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff') && !due) return;
    let conditions = pod.status?.conditions as any[];
    const message = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
    conditions = setCondition(conditions, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message }, t);
    conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message }, t);
    const containerStatuses = containers.map((c) => ({
      name: c.name, image: c.image, ready: false, started: false, restartCount: restarts + 1,
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}` } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: t, finishedAt: t } },
    }));
    this.safeUpdate(() => this.store.update(R.pods, pod.metadata.namespace, pod.metadata.name, { ...pod, status: { ...pod.status, phase: 'Running', conditions, containerStatuses, podIP: pod.status?.podIP ?? this.nextPodIp() } }, { subresource: 'status' }));
    this.crashSeen.set(pod.metadata.uid, this.now());
  }

  private nextPodIp(): string {
    const n = this.podIp++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }

  private claims(): void {
    const now = this.now();
    for (const pvc of this.store.list(R.pvcs, undefined).items) {
      if (pvc.status?.phase === 'Bound') { this.pvcSeen.delete(pvc.metadata.uid); continue; }
      const seen = this.pvcSeen.get(pvc.metadata.uid) ?? now;
      this.pvcSeen.set(pvc.metadata.uid, seen);
      if (now - seen < this.timings.pvcBindMs) continue;
      this.safeUpdate(() => {
        const withVolume = this.store.update(R.pvcs, pvc.metadata.namespace, pvc.metadata.name, { ...pvc, spec: { ...pvc.spec, volumeName: `pvc-${pvc.metadata.uid}` } });
        this.store.update(R.pvcs, pvc.metadata.namespace, pvc.metadata.name, {
          ...withVolume, status: { phase: 'Bound', accessModes: pvc.spec.accessModes, capacity: { storage: pvc.spec.resources.requests.storage } },
        }, { subresource: 'status' });
      });
    }
  }

  private disruptionBudgets(): void {
    const podsByNs = byNamespace(this.store.list(R.pods, undefined).items);
    for (const pdb of this.store.list(R.pdbs, undefined).items) {
      const sel = fromLabelSelector(pdb.spec?.selector);
      const pods = (podsByNs.get(pdb.metadata.namespace!) ?? []).filter((p) => matchesLabels(sel, p.metadata.labels) && !isTerminal(p) && !p.metadata.deletionTimestamp);
      const expected = pods.length;
      const healthy = pods.filter(isReady).length;
      const pct = (v: number | string) => (typeof v === 'string' ? Math.ceil((Number(v.replace('%', '')) / 100) * expected) : v);
      const desired = pdb.spec?.minAvailable !== undefined ? pct(pdb.spec.minAvailable) : Math.max(0, expected - pct(pdb.spec?.maxUnavailable ?? 0));
      const allowed = Math.max(0, healthy - desired);
      const t = k8sTime(new Date(this.now()));
      const conditions = setCondition(pdb.status?.conditions, allowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }
        : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' }, t);
      const status = { observedGeneration: pdb.metadata.generation, disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, conditions };
      this.safeUpdate(() => this.store.update(R.pdbs, pdb.metadata.namespace, pdb.metadata.name, { ...pdb, status }, { subresource: 'status' }));
    }
  }

  private expireEvents(): void {
    // Events are many and expire slowly: a look every ten seconds is enough.
    if (this.now() - this.lastExpiry < 10_000) return;
    this.lastExpiry = this.now();
    const cutoff = this.now() - this.timings.eventTtlMs;
    for (const ev of this.store.list(R.events, undefined).items) {
      if (Date.parse(ev.metadata.creationTimestamp) < cutoff) this.safeUpdate(() => this.store.delete(R.events, ev.metadata.namespace, ev.metadata.name));
    }
  }

  /** Forgets pods that no longer exist (called now and then). */
  prune(): void {
    const live = new Set(this.store.list(R.pods, undefined).items.map((p) => p.metadata.uid));
    for (const uid of this.clocks.keys()) if (!live.has(uid)) this.clocks.delete(uid);
    for (const uid of this.crashSeen.keys()) if (!live.has(uid)) this.crashSeen.delete(uid);
    for (const uid of this.unschedulableSince.keys()) if (!live.has(uid)) this.unschedulableSince.delete(uid);
  }
}
