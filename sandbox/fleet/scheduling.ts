// Whether a pod fits a node, as the default scheduler's filters decide it: cordon, taints
// (node readiness as its not-ready taint) and tolerations, nodeSelector and required node
// affinity, and the requests of the pods already bound there; the scheduler's messages.
// Pure functions.
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

function untolerated(pod: KObject, node: KObject): { key: string; value?: string } | undefined {
  const taints = [...(node.spec?.taints ?? [])];
  // The node lifecycle controller taints a node that is not Ready; the sandbox reads the condition.
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  if (ready?.status !== 'True') taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  return taints.find((t: any) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod, t));
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

/**
 * A node's verdict from the filter plugins, in the default profile's order (NodeUnschedulable,
 * TaintToleration, NodeAffinity, NodeResourcesFit; the first that rejects decides). `reasons`
 * is empty when the pod fits. `unresolvable` is the scheduler's UnschedulableAndUnresolvable:
 * removing pods from the node would not help, so preemption does not try it.
 */
export interface NodeFit { reasons: string[]; unresolvable: boolean }

export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

export function filterNode(pod: KObject, node: KObject, podsOnNode: KObject[]): NodeFit {
  if (node.spec?.unschedulable && !tolerates(pod, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return { reasons: ['node(s) were unschedulable'], unresolvable: true };
  }
  const taint = untolerated(pod, node);
  if (taint) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], unresolvable: true };
  const labels: Record<string, string> = node.metadata.labels ?? {};
  const selectorOk = Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  if (!selectorOk || !affinityMatches(pod, labels)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true };
  // NodeResourcesFit keeps every shortfall; one that exceeds the node's whole allocatable
  // cannot be cured by evicting anything.
  const want = podRequests(pod);
  const have = allocatable(node);
  const u = used(podsOnNode);
  const reasons: string[] = [];
  let unresolvable = false;
  if (u.pods + 1 > have.pods) reasons.push('Too many pods');
  if (want.cpu > 0 && u.cpu + want.cpu > have.cpu + 1e-9) { reasons.push('Insufficient cpu'); unresolvable ||= want.cpu > have.cpu + 1e-9; }
  if (want.memory > 0 && u.memory + want.memory > have.memory) { reasons.push('Insufficient memory'); unresolvable ||= want.memory > have.memory; }
  return { reasons, unresolvable };
}

/** Why `pod` cannot go on `node` (the first reason), or undefined when it fits. */
export function fitFailure(pod: KObject, node: KObject, podsOnNode: KObject[]): string | undefined {
  return filterNode(pod, node, podsOnNode).reasons[0];
}

/**
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match ...` (FitError): each
 * reason counted over the nodes, sorted as strings with their counts, as the scheduler does.
 */
export function nodesAvailableMessage(total: number, reasonsPerNode: string[][]): string {
  const counts = new Map<string, number>();
  for (const rs of reasonsPerNode) for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}.`;
}

/**
 * The PodScheduled=False message: the filter summary, then what preemption (the PostFilter
 * plugin) said, if anything. Both parts end in the scheduler's " %v." separator, which is why
 * real messages end in two full stops (`... incoming pod..`).
 */
export function unschedulableMessage(total: number, fits: NodeFit[], preemption?: string): string {
  const base = nodesAvailableMessage(total, fits.map((f) => f.reasons));
  return preemption ? `${base} preemption: ${preemption}.` : base;
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
