// The reactive autoscaler, decided: one HPA sync per listed Deployment (controllers/hpa,
// the Kubernetes algorithm exactly), then the roadmap's cooldowns on top: no scale-up
// within `upSeconds` and no scale-down within `downSeconds` of the last scaling action.
// Every recommendation that changes is recorded (the HPA's stabilisation reads them), and
// every decision carries its inputs: per-pod utilisation, the pods left out and why, the
// raw proposal and the rule that changed it.
import { explain, syncHpa, type MetricValues, type SyncResult } from '../hpa/hpa.ts';
import type { History } from '../hpa/behavior.ts';
import type { PodFacts } from '../hpa/calculator.ts';
import type { Decision } from '../runtime/types.ts';
import { cooldownOf, hpaSpecOfTarget, targetKey, type ReactiveTarget } from './target.ts';

export interface TargetObservation {
  target: ReactiveTarget;
  /** the Deployment, or null when it is gone */
  deployment: { specReplicas: number; statusReplicas: number } | null;
  pods: PodFacts[];
  metrics: MetricValues;
  history: History;
  /** the last scaling action (ours), for the cooldown */
  lastScale: { at: number; from: number; to: number } | null;
  /** the decision text of this controller's last audited action on the target: a hold is audited once */
  lastDecision: string | null;
}

export interface ReactiveObservation {
  now: Date;
  targets: TargetObservation[];
}

export type ReactiveAction =
  | { kind: 'scale'; namespace: string; name: string; from: number; to: number; recommendation: number | null; initial: number | null; at: string }
  | { kind: 'record'; namespace: string; name: string; recommendation: number; initial: number | null; at: string };

export interface Cooldown {
  /** 'up' | 'down': which cooldown holds the change, with when it ends */
  direction: 'up' | 'down';
  until: number;
}

/** The cooldown that holds a change from current to desired, if any. */
export function cooldownHold(now: number, current: number, desired: number, last: TargetObservation['lastScale'], cd: { upSeconds: number; downSeconds: number } | null): Cooldown | null {
  if (!cd || !last || desired === current) return null;
  const direction = desired > current ? 'up' : 'down';
  const until = last.at + (direction === 'up' ? cd.upSeconds : cd.downSeconds) * 1000;
  return now < until ? { direction, until } : null;
}

function podInputs(r: SyncResult) {
  return r.metrics.map((m) => ({
    metric: m.metric, target: m.target, error: m.error ?? null,
    proposal: m.proposal?.replicas ?? null, current: m.proposal?.current ?? null, steps: m.proposal?.steps ?? [],
    pods: (m.proposal?.pods ?? []).map((p) => ({ name: p.name, usage: p.usage ?? null, request: p.request ?? null, utilization: p.utilization ?? null, ...(p.leftOut ? { leftOut: p.leftOut } : {}), ...(p.assumed !== undefined ? { assumed: p.assumed } : {}) })),
  }));
}

export function decideTarget(t: TargetObservation, now: Date): Decision<ReactiveAction>[] {
  if (!t.deployment) return [];
  const key = targetKey(t.target);
  const nowMs = now.getTime();
  const spec = hpaSpecOfTarget(t.target.spec);
  const r = syncHpa({ spec, specReplicas: t.deployment.specReplicas, statusReplicas: t.deployment.statusReplicas, pods: t.pods, metrics: t.metrics, history: t.history, now: nowMs });
  const lastRec = t.history.recommendations.at(-1)?.replicas ?? null;
  const initial = r.initialRecommendation && r.normalized ? r.currentReplicas : null;
  const recordNeeded = r.recommendation !== null && (r.recommendation !== lastRec || initial !== null);
  const hold = r.rescale ? cooldownHold(nowMs, r.currentReplicas, r.desiredReplicas, t.lastScale, cooldownOf(t.target.spec)) : null;
  const target = { kind: 'Deployment', name: key };
  const inputs = {
    currentReplicas: r.currentReplicas, rawProposal: r.rawProposal, drivenBy: r.drivenBy, desiredByHpa: r.desiredReplicas,
    rule: hold ? `cooldown ${hold.direction}` : r.rule, stabilized: r.normalized?.stabilized ?? null,
    stabilization: r.normalized?.stabilization ?? null, limit: r.normalized?.limit ?? null,
    cooldown: cooldownOf(t.target.spec), lastScale: t.lastScale ? { ...t.lastScale, at: new Date(t.lastScale.at).toISOString() } : null,
    minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, behavior: spec.behavior ?? null,
    metrics: podInputs(r),
  };
  const at = now.toISOString();
  const why = explain(r);
  if (r.rescale && !hold) {
    return [{
      target, decision: `scale ${key} ${r.currentReplicas}→${r.desiredReplicas}`, reason: why.join('; '), inputs,
      action: { kind: 'scale', namespace: t.target.namespace, name: t.target.name, from: r.currentReplicas, to: r.desiredReplicas, recommendation: r.recommendation, initial, at },
    }];
  }
  const holdText = hold ? `hold ${key} at ${r.currentReplicas} (wants ${r.desiredReplicas}; scale-${hold.direction} cooldown until ${new Date(hold.until).toISOString()})` : null;
  // A hold is audited once; a recommendation that changes during it is recorded with it.
  if (!recordNeeded && !(holdText && !t.lastDecision?.startsWith(holdText))) return [];
  const held = hold
    ? [`cooldown: no scale-${hold.direction} until ${new Date(hold.until).toISOString()} (${hold.direction === 'up' ? cooldownOf(t.target.spec)!.upSeconds : cooldownOf(t.target.spec)!.downSeconds} s after the last scaling action)`]
    : [];
  return [{
    target, decision: holdText ? (recordNeeded && t.lastDecision?.startsWith(holdText) ? `${holdText}; recommendation ${r.recommendation}` : holdText) : `recommend ${key} ${r.recommendation} (keep ${r.currentReplicas}${r.normalized && r.normalized.stabilization !== 'ReadyForNewScale' ? `: ${r.normalized.stabilization}` : ''})`,
    reason: [...why, ...held].join('; '), inputs,
    action: { kind: 'record', namespace: t.target.namespace, name: t.target.name, recommendation: r.recommendation!, initial, at },
  }];
}

export function decideReactive(o: ReactiveObservation): Decision<ReactiveAction>[] {
  return o.targets.flatMap((t) => decideTarget(t, o.now));
}
