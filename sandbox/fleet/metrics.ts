// metrics.k8s.io for the simulated fleet: each running pod's usage follows its workload's
// activity (set by the synthetic tenants: an agent at work burns CPU, an idle one does
// not) with some noise; a node's usage is its pods' plus the system's.
import type { ObjectStore } from '../k8s/store.ts';
import { k8sTime } from '../k8s/store.ts';
import { resourceByKey } from '../k8s/resources.ts';
import type { MetricsItem, MetricsProvider } from '../k8s/server.ts';
import { parseQuantity } from '../k8s/quantity.ts';
import type { StoredObject } from '../k8s/types.ts';
import type { Random } from './random.ts';

const PODS = resourceByKey('pods');
const NODES = resourceByKey('nodes');
export const WORKSPACE_LABEL = 'pilothouse.io/workspace';

const nano = (cores: number) => `${Math.max(0, Math.round(cores * 1e9))}n`;
const kib = (bytes: number) => `${Math.max(0, Math.round(bytes / 1024))}Ki`;

interface PodUsage { cpu: Record<string, number>; memory: Record<string, number> }

export class FleetMetrics implements MetricsProvider {
  private readonly usage = new Map<string, PodUsage>();
  /** activity 0..1 by workspace id (label pilothouse.io/workspace) */
  private readonly activity = new Map<string, number>();
  private readonly store: ObjectStore;
  private readonly rnd: Random;
  private readonly now: () => number;

  constructor(store: ObjectStore, rnd: Random, now: () => number = Date.now) {
    this.store = store;
    this.rnd = rnd;
    this.now = now;
  }

  setActivity(workspaceId: string, level: number): void {
    this.activity.set(workspaceId, Math.min(1, Math.max(0, level)));
  }

  /** Moves every running pod's usage towards its activity; call once per tick. */
  update(): void {
    const live = new Set<string>();
    for (const pod of this.store.list(PODS, undefined).items) {
      if (pod.status?.phase !== 'Running') continue;
      live.add(pod.metadata.uid);
      const ws = pod.metadata.labels?.[WORKSPACE_LABEL];
      const level = ws !== undefined ? this.activity.get(ws) ?? 0.3 : 0.3;
      const prev = this.usage.get(pod.metadata.uid);
      const next: PodUsage = { cpu: {}, memory: {} };
      for (const c of pod.spec?.containers ?? []) {
        const reqCpu = parseQuantity(c.resources?.requests?.cpu ?? '100m');
        const reqMem = parseQuantity(c.resources?.requests?.memory ?? '256Mi');
        const targetCpu = reqCpu * (0.03 + 1.1 * level) * (0.85 + 0.3 * this.rnd());
        const targetMem = reqMem * (0.25 + 0.55 * level) * (0.95 + 0.1 * this.rnd());
        const pc = prev?.cpu[c.name];
        const pm = prev?.memory[c.name];
        next.cpu[c.name] = pc === undefined ? targetCpu : pc + (targetCpu - pc) * 0.3;
        next.memory[c.name] = pm === undefined ? targetMem : pm + (targetMem - pm) * 0.1;
      }
      this.usage.set(pod.metadata.uid, next);
    }
    for (const uid of this.usage.keys()) if (!live.has(uid)) this.usage.delete(uid);
  }

  private podItem(pod: StoredObject, u: PodUsage, t: string): MetricsItem {
    return {
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels: pod.metadata.labels, creationTimestamp: t },
      timestamp: t, window: '15s',
      containers: Object.keys(u.cpu).map((name) => ({ name, usage: { cpu: nano(u.cpu[name]!), memory: kib(u.memory[name]!) } })),
    };
  }

  pods(namespace?: string): MetricsItem[] {
    const t = k8sTime(new Date(this.now()));
    const out: MetricsItem[] = [];
    for (const pod of this.store.list(PODS, namespace).items) {
      const u = this.usage.get(pod.metadata.uid);
      if (u) out.push(this.podItem(pod, u, t));
    }
    return out;
  }

  nodes(): MetricsItem[] {
    const t = k8sTime(new Date(this.now()));
    const pods = this.store.list(PODS, undefined).items;
    return this.store.list(NODES, undefined).items.map((node) => {
      let cpu = 0.15;
      let memory = 1.2 * 2 ** 30;
      for (const p of pods) {
        if (p.spec?.nodeName !== node.metadata.name) continue;
        const u = this.usage.get(p.metadata.uid);
        if (!u) continue;
        for (const v of Object.values(u.cpu)) cpu += v;
        for (const v of Object.values(u.memory)) memory += v;
      }
      return { metadata: { name: node.metadata.name, labels: node.metadata.labels, creationTimestamp: t }, timestamp: t, window: '15s', usage: { cpu: nano(cpu), memory: kib(memory) } };
    });
  }
}
