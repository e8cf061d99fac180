// One HPA sync (reconcileAutoscaler and computeReplicasForMetrics in horizontal.go): every
// metric proposes a count, the largest wins (a metric that cannot be read blocks a scale-
// down but not a scale-up), min/max apply, then stabilisation and the rate limits. The
// result keeps every step so that "why 7?" has an answer. Pure.
import {
  averageValueReplicas, MetricError, plainReplicas, resourceReplicas, valueReplicas,
  type CalcOptions, type PodFacts, type PodSamples, type Proposal, type Tolerances,
} from './calculator.ts';
import { normalizeLegacy, normalizeWithBehavior, type Behavior, type History, type Normalized } from './behavior.ts';

export type MetricTarget =
  | { type: 'Utilization'; averageUtilization: number }
  /** milli-units per pod */
  | { type: 'AverageValue'; averageValue: number }
  /** milli-units in total */
  | { type: 'Value'; value: number };

export type MetricSpec =
  | { type: 'Resource'; resource: string; target: MetricTarget }
  /** a per-pod metric (custom metrics API, or a PromQL query by pod) */
  | { type: 'Pods'; name: string; target: MetricTarget }
  /** one number for the whole target (external metrics API, or a PromQL query) */
  | { type: 'External'; name: string; target: MetricTarget };

export interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  metrics: MetricSpec[];
  behavior?: Behavior;
  tolerances?: Tolerances;
}

export interface MetricValues {
  /** per resource (cpu, memory): each pod's sample */
  resources: Map<string, PodSamples>;
  /** per Pods metric name */
  pods: Map<string, PodSamples>;
  /** per External metric name: the value (milli-units), or why it could not be read */
  external: Map<string, number | { error: string }>;
}

export interface SyncInput {
  spec: HpaSpec;
  /** the scale subresource: spec.replicas and status.replicas */
  specReplicas: number;
  statusReplicas: number;
  pods: PodFacts[];
  metrics: MetricValues;
  history: History;
  now: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  /**
   * With no recommendations yet, the HPA records the current count first (a freshly started
   * controller does not scale down within its first window). False models a controller
   * that has been running with an empty log (as the upstream tests set it up).
   */
  recordInitialRecommendation?: boolean;
}

export interface MetricOutcome {
  metric: string;
  target: MetricTarget;
  proposal?: Proposal;
  error?: string;
}

export interface SyncResult {
  currentReplicas: number;
  desiredReplicas: number;
  /** the largest metric proposal, before min/max, stabilisation and rate limits */
  rawProposal: number | null;
  /** which metric gave it */
  drivenBy: string | null;
  metrics: MetricOutcome[];
  normalized: Normalized | null;
  /** the rule that set the answer when it is not the raw proposal */
  rule: string | null;
  rescale: boolean;
  /** a reason the HPA did not compute (disabled, a metric error) */
  blocked?: string;
  /** the recommendation the controller records for later stabilisation (null: none) */
  recommendation: number | null;
  /** the HPA records the current count as a first recommendation when it has none */
  initialRecommendation: boolean;
}

export const metricName = (m: MetricSpec) => (m.type === 'Resource' ? m.resource : m.name);

function computeOne(m: MetricSpec, i: SyncInput, o: CalcOptions): Proposal {
  const current = i.specReplicas;
  if (m.type === 'Resource') {
    const samples = i.metrics.resources.get(m.resource);
    if (!samples || samples.size === 0) throw new MetricError(`unable to get metrics for resource ${m.resource}: no metrics returned from resource metrics API`);
    if (m.target.type === 'Utilization') return resourceReplicas(current, m.target.averageUtilization, m.resource, i.pods, samples, o);
    if (m.target.type === 'AverageValue') return plainReplicas(current, m.target.averageValue, m.resource, i.pods, samples, o);
    throw new MetricError(`a Resource metric needs a Utilization or AverageValue target, not ${m.target.type}`);
  }
  if (m.type === 'Pods') {
    if (m.target.type !== 'AverageValue') throw new MetricError(`a Pods metric needs an AverageValue target, not ${m.target.type}`);
    const samples = i.metrics.pods.get(m.name);
    if (!samples || samples.size === 0) throw new MetricError(`unable to get metric ${m.name}: no metrics returned`);
    return plainReplicas(current, m.target.averageValue, m.name, i.pods, samples, o);
  }
  const v = i.metrics.external.get(m.name);
  if (v === undefined) throw new MetricError(`unable to get external metric ${m.name}: no value`);
  if (typeof v !== 'number') throw new MetricError(`unable to get external metric ${m.name}: ${v.error}`);
  if (m.target.type === 'Value') return valueReplicas(current, v, m.target.value, i.pods, o);
  if (m.target.type === 'AverageValue') return averageValueReplicas(current, i.statusReplicas, v, m.target.averageValue, o);
  throw new MetricError('an External metric needs a Value or AverageValue target');
}

export function syncHpa(i: SyncInput): SyncResult {
  const { spec, now } = i;
  const current = i.specReplicas;
  const min = spec.minReplicas;
  const base = { currentReplicas: current, metrics: [] as MetricOutcome[], normalized: null, rawProposal: null, drivenBy: null, recommendation: null };
  const initialRecommendation = i.history.recommendations.length === 0 && i.recordInitialRecommendation !== false;
  // recordInitialRecommendation: a fresh HPA remembers the current count, so it does not scale down within its first window.
  const history: History = initialRecommendation ? { ...i.history, recommendations: [{ at: now, replicas: current }] } : i.history;
  if (current === 0 && min !== 0) {
    return { ...base, desiredReplicas: 0, rule: 'ScalingDisabled', rescale: false, blocked: 'scaling is disabled since the replica count of the target is zero', initialRecommendation };
  }
  if (current > spec.maxReplicas) return { ...base, desiredReplicas: spec.maxReplicas, rule: 'TooManyReplicas', rescale: true, initialRecommendation };
  if (current < min) return { ...base, desiredReplicas: min, rule: 'TooFewReplicas', rescale: true, initialRecommendation };

  const o: CalcOptions = { now, tolerances: spec.tolerances, cpuInitializationPeriodMs: i.cpuInitializationPeriodMs, initialReadinessDelayMs: i.initialReadinessDelayMs };
  const outcomes: MetricOutcome[] = [];
  let proposal = 0;
  let drivenBy: string | null = null;
  let invalid = 0;
  let firstError = '';
  for (const m of spec.metrics) {
    try {
      const p = computeOne(m, i, o);
      outcomes.push({ metric: metricName(m), target: m.target, proposal: p });
      if (proposal === 0 || p.replicas > proposal) {
        proposal = p.replicas;
        drivenBy = metricName(m);
      }
    } catch (err) {
      if (!(err instanceof MetricError)) throw err;
      if (invalid === 0) firstError = err.message;
      invalid++;
      outcomes.push({ metric: metricName(m), target: m.target, error: err.message });
    }
  }
  if (invalid >= spec.metrics.length || (invalid > 0 && proposal < i.specReplicas)) {
    return {
      ...base, metrics: outcomes, desiredReplicas: current, rule: 'FailedGetMetrics', rescale: false, initialRecommendation,
      blocked: invalid >= spec.metrics.length ? `no metric could be computed: ${firstError}` : `a metric could not be computed and the others propose a scale-down: ${firstError}`,
    };
  }
  const n = spec.behavior
    ? normalizeWithBehavior(now, history, { current, desired: proposal, min, max: spec.maxReplicas }, spec.behavior)
    : normalizeLegacy(now, history, current, proposal, min, spec.maxReplicas);
  const rule = n.replicas === proposal ? null : n.stabilized !== proposal && n.limit === 'DesiredWithinRange' ? n.stabilization : n.limit;
  return {
    currentReplicas: current, desiredReplicas: n.replicas, rawProposal: proposal, drivenBy, metrics: outcomes, normalized: n,
    rule, rescale: n.replicas !== current, recommendation: proposal, initialRecommendation,
  };
}

/** Words for an audit row or the CLI: the answer, then each metric's steps, then the rule. */
export function explain(r: SyncResult): string[] {
  const lines = [`desired ${r.desiredReplicas} (current ${r.currentReplicas})`];
  if (r.blocked) lines.push(r.blocked);
  for (const m of r.metrics) {
    if (m.error) lines.push(`${m.metric}: ${m.error}`);
    else lines.push(`${m.metric}: proposes ${m.proposal!.replicas}: ${m.proposal!.steps.join('; ')}`);
    const left = m.proposal?.pods.filter((p) => p.leftOut) ?? [];
    if (left.length) lines.push(`  left out of the first pass: ${left.map((p) => `${p.name} (${p.leftOut})`).join(', ')}`);
  }
  if (r.rawProposal !== null && r.metrics.length > 1) lines.push(`largest proposal: ${r.rawProposal} from ${r.drivenBy}`);
  if (r.initialRecommendation && r.normalized) lines.push(`first sync: the current count ${r.currentReplicas} is recorded as a recommendation, as the HPA does`);
  if (r.normalized && r.normalized.stabilized !== r.rawProposal) lines.push(`${r.normalized.stabilization}: stabilised to ${r.normalized.stabilized}`);
  if (r.normalized && r.normalized.limit !== 'DesiredWithinRange') lines.push(`${r.normalized.limit}: ${r.normalized.message} (${r.normalized.replicas})`);
  if (!r.normalized && r.rule && !r.blocked) lines.push(`${r.rule}: the current count is outside min/max`);
  return lines;
}
