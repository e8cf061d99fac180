// Preemption as the default scheduler's DefaultPreemption PostFilter plugin decides it, when
// a pod fits no node: is the pod eligible, which nodes could take it if pods of strictly
// lower priority were removed, the fewest and least important victims on each (reprieving
// pods whose PodDisruptionBudget would be violated first), and the node to nominate. Pure
// functions; the control plane carries out the decision (victims deleted, Preempted events,
// status.nominatedNodeName). Follows k8s.io/kubernetes pkg/scheduler/framework/preemption
// and plugins/defaultpreemption.
import { fromLabelSelector, matchesLabels } from '../k8s/selectors.ts';
import type { KObject } from '../k8s/types.ts';
import { filterNode, nodesAvailableMessage, type NodeFit } from './scheduling.ts';

/** A pod's priority as the scheduler reads it (corev1helpers.PodPriority): unset is 0. */
export const podPriority = (p: KObject): number => (Number.isInteger(p.spec?.priority) ? p.spec.priority : 0);

const isTerminal = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Pods that have not started yet count as starting now (util.GetPodStartTime). */
function startTime(p: KObject, now: number): number {
  const t = p.status?.startTime ? Date.parse(p.status.startTime) : NaN;
  return Number.isFinite(t) ? t : now;
}

/** util.MoreImportantPod: higher priority, then the one that has run longer. */
export function moreImportant(a: KObject, b: KObject, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTime(a, now) < startTime(b, now);
}

/** The scheduler's DisruptionTarget condition on a pod it is evicting to make room. */
export function preemptionCondition(schedulerName = 'default-scheduler') {
  return { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${schedulerName}: preempting to accommodate a higher priority pod` };
}

export const podTerminatingByPreemption = (p: KObject): boolean => Boolean(p.metadata.deletionTimestamp)
  && (p.status?.conditions ?? []).some((c: any) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'PreemptionByScheduler');

/**
 * Splits victims, keeping their order, into those whose eviction would take a matching PDB
 * below zero allowed disruptions and the rest (filterPodsWithPDBViolation). Each budget is
 * spent as pods are counted against it.
 */
export function splitByBudget(pods: KObject[], pdbs: KObject[]): { violating: KObject[]; nonViolating: KObject[] } {
  const allowed = pdbs.map((b) => Number(b.status?.disruptionsAllowed ?? 0));
  const violating: KObject[] = [];
  const nonViolating: KObject[] = [];
  for (const pod of pods) {
    let violated = false;
    const labels = pod.metadata.labels ?? {};
    if (Object.keys(labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata.namespace !== pod.metadata.namespace) return;
        // A budget with an empty selector matches nothing.
        const sel = fromLabelSelector(pdb.spec?.selector);
        if (sel.length === 0 || !matchesLabels(sel, labels)) return;
        if (pdb.status?.disruptedPods?.[pod.metadata.name!]) return;
        allowed[i]! -= 1;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

export interface NodeView {
  node: KObject;
  /** pods bound to the node, terminating ones included (they hold their room until gone) */
  pods: KObject[];
  /** pending pods nominated to this node with priority at least the preemptor's */
  nominated: KObject[];
  /** the filter verdict for the preemptor, from the scheduling attempt that failed */
  fit: NodeFit;
}

export interface Victims { pods: KObject[]; pdbViolations: number }

/**
 * SelectVictimsOnNode: remove every lower-priority pod; if the preemptor then fits, add them
 * back most important first (PDB-violating ones before the others), keeping out only those
 * whose return would stop it fitting. Victims come out most important first.
 */
export function selectVictimsOnNode(pod: KObject, view: NodeView, pdbs: KObject[], now: number): Victims | { fit: NodeFit } {
  const prio = podPriority(pod);
  const potential = view.pods.filter((p) => !isTerminal(p) && podPriority(p) < prio);
  if (potential.length === 0) return { fit: { reasons: ['No preemption victims found for incoming pod'], unresolvable: true } };
  const kept = new Set(view.pods.filter((p) => !potential.includes(p)));
  const fitsWith = () => filterNode(pod, view.node, [...kept, ...view.nominated]);
  const without = fitsWith();
  if (without.reasons.length > 0) return { fit: without };
  potential.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
  const { violating, nonViolating } = splitByBudget(potential, pdbs);
  const victims: KObject[] = [];
  let pdbViolations = 0;
  const reprieve = (p: KObject): boolean => {
    kept.add(p);
    if (fitsWith().reasons.length === 0) return true;
    kept.delete(p);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) pdbViolations++;
  for (const p of nonViolating) reprieve(p);
  if (violating.length && nonViolating.length) victims.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
  return { pods: victims, pdbViolations };
}

/**
 * pickOneNodeForPreemption: fewest PDB violations, then the lowest highest-priority victim,
 * then the lowest sum of priorities (each shifted by 2^31 so that more victims weigh more),
 * then the fewest victims, then the latest start among the most important victims; a tie
 * left after that goes to the first node by name.
 */
export function pickPreemptionNode(candidates: Array<{ node: KObject; victims: Victims }>, now: number): { node: KObject; victims: Victims } | undefined {
  const earliestTopStart = (v: Victims) => {
    const top = podPriority(v.pods[0]!);
    return Math.min(...v.pods.filter((p) => podPriority(p) === top).map((p) => startTime(p, now)));
  };
  const scores: Array<(c: { victims: Victims }) => number> = [
    (c) => -c.victims.pdbViolations,
    (c) => -podPriority(c.victims.pods[0]!),
    (c) => -c.victims.pods.reduce((s, p) => s + podPriority(p) + 2 ** 31, 0),
    (c) => -c.victims.pods.length,
    (c) => earliestTopStart(c.victims),
  ];
  let left = [...candidates].sort((a, b) => String(a.node.metadata.name).localeCompare(String(b.node.metadata.name)));
  for (const score of scores) {
    if (left.length <= 1) break;
    const best = Math.max(...left.map(score));
    left = left.filter((c) => score(c) === best);
  }
  return left[0];
}

export type PreemptionResult =
  /** victims to delete on `node`, which the preemptor is nominated to */
  | { kind: 'nominate'; node: KObject; victims: Victims }
  /** no preemption: `message` is the PostFilter's (without the `preemption: ` prefix) */
  | { kind: 'none'; message: string; clearNomination: boolean };

/** Evaluator.Preempt for one pod that fit no node in `views` (every node in the cluster). */
export function preempt(pod: KObject, views: NodeView[], pdbs: KObject[], now: number): PreemptionResult {
  // PodEligibleToPreemptOthers
  if (pod.spec?.preemptionPolicy === 'Never') return { kind: 'none', message: 'not eligible due to preemptionPolicy=Never.', clearNomination: false };
  const nominatedTo = pod.status?.nominatedNodeName;
  if (nominatedTo) {
    const view = views.find((v) => v.node.metadata.name === nominatedTo);
    if (view && !view.fit.unresolvable && view.pods.some((p) => podPriority(p) < podPriority(pod) && podTerminatingByPreemption(p))) {
      return { kind: 'none', message: 'not eligible due to a terminating pod on the nominated node.', clearNomination: false };
    }
  }
  // Only nodes that failed with a resolvable reason are tried; the rest are "not helpful".
  const potential = views.filter((v) => v.fit.reasons.length > 0 && !v.fit.unresolvable);
  const notHelpful = views.length - potential.length;
  const reasons: string[][] = Array.from({ length: notHelpful }, () => ['Preemption is not helpful for scheduling']);
  const candidates: Array<{ node: KObject; victims: Victims }> = [];
  for (const view of potential) {
    const r = selectVictimsOnNode(pod, view, pdbs, now);
    if ('pods' in r) candidates.push({ node: view.node, victims: r });
    else reasons.push(r.fit.reasons);
  }
  const best = pickPreemptionNode(candidates, now);
  if (!best) return { kind: 'none', message: nodesAvailableMessage(views.length, reasons), clearNomination: true };
  return { kind: 'nominate', node: best.node, victims: best.victims };
}
