// Whether a pod fits a node, as the default scheduler's filters decide it: node readiness
// and cordon, taints and tolerations, nodeSelector and required node affinity, and the
// requests of the pods already bound there. Pure functions.
import { parseQuantity } from '../k8s/quantity.ts';
import type { KObject } from '../k8s/types.ts';

export interface Requests { cpu: number; memory: number; pods: number }

export function podRequests(pod: KObject): Requests {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += parseQuantity(c.resources?.requests?.cpu ?? 0);
    memory += parseQuantity(c.resources?.requests?.memory ?? 0);
  }
  return { cpu, memory, pods: 1 };
}

export function allocatable(node: KObject): Requests {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { cpu: parseQuantity(a.cpu ?? 0), memory: parseQuantity(a.memory ?? 0), pods: parseQuantity(a.pods ?? 110) };
}

export function used(podsOnNode: KObject[]): Requests {
  const out = { cpu: 0, memory: 0, pods: 0 };
  for (const p of podsOnNode) {
    if (['Succeeded', 'Failed'].includes(p.status?.phase)) continue;
    const r = podRequests(p);
    out.cpu += r.cpu; out.memory += r.memory; out.pods += 1;
  }
  return out;
}

function tolerates(pod: KObject, taint: { key: string; value?: string; effect: string }): boolean {
  return (pod.spec?.tolerations ?? []).some((t: any) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function affinityMatches(pod: KObject, labels: Record<string, string>): boolean {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) return true;
  return terms.some((term: any) => (term.matchExpressions ?? []).every((e: any) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      case 'Gt': return has && Number(labels[e.key]) > Number(e.values?.[0]);
      case 'Lt': return has && Number(labels[e.key]) < Number(e.values?.[0]);
      default: return false;
    }
  }));
}

export type FitFailure = 'NotReady' | 'Unschedulable' | 'Taint' | 'NodeSelector' | 'Insufficient cpu' | 'Insufficient memory' | 'Too many pods';

/** Why `pod` cannot go on `node`, or undefined when it fits. */
export function fitFailure(pod: KObject, node: KObject, podsOnNode: KObject[]): FitFailure | undefined {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  if (ready?.status !== 'True') return 'NotReady';
  if (node.spec?.unschedulable) return 'Unschedulable';
  for (const t of node.spec?.taints ?? []) if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod, t)) return 'Taint';
  const labels: Record<string, string> = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return 'NodeSelector';
  if (!affinityMatches(pod, labels)) return 'NodeSelector';
  const want = podRequests(pod);
  const have = allocatable(node);
  const u = used(podsOnNode);
  if (u.cpu + want.cpu > have.cpu + 1e-9) return 'Insufficient cpu';
  if (u.memory + want.memory > have.memory) return 'Insufficient memory';
  if (u.pods + 1 > have.pods) return 'Too many pods';
  return undefined;
}

const MESSAGES: Record<FitFailure, string> = {
  NotReady: "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
  Unschedulable: 'node(s) were unschedulable',
  Taint: 'node(s) had untolerated taint',
  NodeSelector: "node(s) didn't match Pod's node affinity/selector",
  'Insufficient cpu': 'Insufficient cpu',
  'Insufficient memory': 'Insufficient memory',
  'Too many pods': 'Too many pods',
};

/** The scheduler's summary: `0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match ...`. */
export function unschedulableMessage(total: number, failures: FitFailure[]): string {
  const counts = new Map<FitFailure, number>();
  for (const f of failures) counts.set(f, (counts.get(f) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => MESSAGES[a[0]].localeCompare(MESSAGES[b[0]])).map(([f, n]) => `${n} ${MESSAGES[f]}`);
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

/** The default scheduler's LeastAllocated score: prefer the node with the most room left. */
export function pickNode(pod: KObject, candidates: Array<{ node: KObject; pods: KObject[] }>): KObject | undefined {
  let best: { node: KObject; score: number } | undefined;
  for (const c of candidates) {
    const a = allocatable(c.node);
    const u = used(c.pods);
    const want = podRequests(pod);
    const score = (a.cpu ? (a.cpu - u.cpu - want.cpu) / a.cpu : 0) + (a.memory ? (a.memory - u.memory - want.memory) / a.memory : 0);
    if (!best || score > best.score || (score === best.score && c.node.metadata.name! < best.node.metadata.name!)) best = { node: c.node, score };
  }
  return best?.node;
}
