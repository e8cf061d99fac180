// What the HPA controller does with a proposal (pkg/controller/podautoscaler/horizontal.go):
// stabilisation over recent recommendations, then the rate limits. Without `behavior`, the
// legacy rules: scale-down takes the highest recommendation of the last 5 minutes and
// scale-up is capped at max(2 × current, 4). With `behavior`, its stabilisation windows and
// Pods/Percent policies per period, selectPolicy Max/Min/Disabled, over the scale events
// of each policy's period. Pure: history and the clock come in.

export type PolicyType = 'Pods' | 'Percent';
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingPolicy {
  type: PolicyType;
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: SelectPolicy;
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

export type ResolvedRules = Required<ScalingRules>;

/** --horizontal-pod-autoscaler-downscale-stabilization */
export const DOWNSCALE_STABILIZATION_SECONDS = 300;
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

/** GenerateHPAScaleUpRules: the API server's defaults, filled in field by field. */
export function scaleUpRules(r: ScalingRules | undefined): ResolvedRules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

/** GenerateHPAScaleDownRules, with the controller's downscale stabilisation when unset. */
export function scaleDownRules(r: ScalingRules | undefined): ResolvedRules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_SECONDS,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

export interface Recommendation {
  at: number;
  replicas: number;
}

export interface ScaleEvent {
  at: number;
  /** replicas added (scale-up) or removed (scale-down), always positive */
  change: number;
}

export interface History {
  recommendations: Recommendation[];
  scaleUps: ScaleEvent[];
  scaleDowns: ScaleEvent[];
}

export const EMPTY_HISTORY: History = { recommendations: [], scaleUps: [], scaleDowns: [] };

export interface Normalized {
  replicas: number;
  /** after stabilisation, before the rate limits */
  stabilized: number;
  /** AbleToScale: ScaleUpStabilized, ScaleDownStabilized or ReadyForNewScale */
  stabilization: string;
  /** ScalingLimited: DesiredWithinRange, TooFewReplicas, TooManyReplicas, ScaleUpLimit, ScaleDownLimit */
  limit: string;
  message: string;
}

/** stabilizeRecommendation: the highest recommendation of the window, this one included. */
export function stabilizeLegacy(now: number, history: readonly Recommendation[], desired: number, windowSeconds = DOWNSCALE_STABILIZATION_SECONDS): number {
  const cutoff = now - windowSeconds * 1000;
  let max = desired;
  for (const r of history) if (!(r.at < cutoff) && r.replicas > max) max = r.replicas;
  return max;
}

export function scaleUpLimit(current: number): number {
  return Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM));
}

/** convertDesiredReplicasWithRules: min, max, and the legacy scale-up cap. */
export function convertWithRules(current: number, desired: number, min: number, max: number): { replicas: number; limit: string; message: string } {
  const up = scaleUpLimit(current);
  const [maxAllowed, maxReason, maxMessage] = max > up
    ? [up, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
    : [max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  if (desired < min) return { replicas: min, limit: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maxAllowed) return { replicas: maxAllowed, limit: maxReason, message: maxMessage };
  return { replicas: desired, limit: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** The legacy path (no `behavior`): stabilise scale-down, then min/max and the scale-up cap. */
export function normalizeLegacy(now: number, history: History, current: number, desired: number, min: number, max: number): Normalized {
  const stabilized = stabilizeLegacy(now, history.recommendations, desired);
  const converted = convertWithRules(current, stabilized, min, max);
  return {
    replicas: converted.replicas, stabilized,
    stabilization: stabilized !== desired ? 'ScaleDownStabilized' : 'ReadyForNewScale',
    limit: converted.limit, message: converted.message,
  };
}

/** getReplicasChangePerPeriod: the replicas changed within the last `periodSeconds`. */
export function changeInPeriod(now: number, periodSeconds: number, events: readonly ScaleEvent[]): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.at > cutoff) n += e.change;
  return n;
}

/** calculateScaleUpLimitWithScalingRules */
export function scaleUpLimitWithRules(now: number, current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: ResolvedRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(now, p.periodSeconds, ups) + changeInPeriod(now, p.periodSeconds, downs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors */
export function scaleDownLimitWithRules(now: number, current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: ResolvedRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(now, p.periodSeconds, ups) + changeInPeriod(now, p.periodSeconds, downs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up window
 * and the highest of the scale-down window bound the answer, starting from current.
 */
export function stabilizeWithBehavior(now: number, history: readonly Recommendation[], current: number, desired: number, up: ResolvedRules, down: ResolvedRules): { replicas: number; reason: string } {
  const upCutoff = now - up.stabilizationWindowSeconds * 1000;
  const downCutoff = now - down.stabilizationWindowSeconds * 1000;
  let upRec = desired;
  let downRec = desired;
  for (const r of history) {
    if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
    if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
  }
  let rec = current;
  if (rec < upRec) rec = upRec;
  if (rec > downRec) rec = downRec;
  return { replicas: rec, reason: desired >= current ? 'ScaleUpStabilized' : 'ScaleDownStabilized' };
}

export interface Bounds {
  current: number;
  desired: number;
  min: number;
  max: number;
}

/** convertDesiredReplicasWithBehaviorRate */
export function convertWithBehaviorRate(now: number, history: History, b: Bounds, up: ResolvedRules, down: ResolvedRules): { replicas: number; limit: string; message: string } {
  if (b.desired > b.current) {
    let limit = scaleUpLimitWithRules(now, b.current, history.scaleUps, history.scaleDowns, up);
    // Past scale-ups may put the period's start above current: never scale down on the way up.
    if (limit < b.current) limit = b.current;
    const [maxAllowed, reason] = b.max > limit ? [limit, 'ScaleUpLimit'] : [b.max, 'TooManyReplicas'];
    if (b.desired > maxAllowed) {
      return { replicas: maxAllowed, limit: reason, message: reason === 'ScaleUpLimit' ? 'the desired replica count is increasing faster than the maximum scale rate' : 'the desired replica count is more than the maximum replica count' };
    }
  } else if (b.desired < b.current) {
    let limit = scaleDownLimitWithRules(now, b.current, history.scaleUps, history.scaleDowns, down);
    if (limit > b.current) limit = b.current;
    const [minAllowed, reason] = b.min < limit ? [limit, 'ScaleDownLimit'] : [b.min, 'TooFewReplicas'];
    if (b.desired < minAllowed) {
      return { replicas: minAllowed, limit: reason, message: reason === 'ScaleDownLimit' ? 'the desired replica count is decreasing faster than the maximum scale rate' : 'the desired replica count is less than the minimum replica count' };
    }
  }
  return { replicas: b.desired, limit: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** normalizeDesiredReplicasWithBehaviors */
export function normalizeWithBehavior(now: number, history: History, b: Bounds, behavior: Behavior): Normalized {
  const up = scaleUpRules(behavior.scaleUp);
  const down = scaleDownRules(behavior.scaleDown);
  const st = stabilizeWithBehavior(now, history.recommendations, b.current, b.desired, up, down);
  const converted = convertWithBehaviorRate(now, history, { ...b, desired: st.replicas }, up, down);
  return {
    replicas: converted.replicas, stabilized: st.replicas,
    stabilization: st.replicas !== b.desired ? st.reason : 'ReadyForNewScale',
    limit: converted.limit, message: converted.message,
  };
}

/** How long history must be kept: the longest window or policy period. */
export function historySeconds(behavior: Behavior | undefined): number {
  if (!behavior) return DOWNSCALE_STABILIZATION_SECONDS;
  const up = scaleUpRules(behavior.scaleUp);
  const down = scaleDownRules(behavior.scaleDown);
  return Math.max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds, ...up.policies.map((p) => p.periodSeconds), ...down.policies.map((p) => p.periodSeconds));
}
