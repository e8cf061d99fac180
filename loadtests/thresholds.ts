// Load-test thresholds derived from the SLO specs, so a limit is never typed twice: a latency
// objective (a threshold indicator in seconds) becomes a percentile limit, an availability
// objective (a ratio of bad or good to total) an error-rate limit. A scenario may tighten a
// limit; a tightening that would loosen it is refused.
import type { SloDefinition } from '../slo/openslo/types.ts';

export type ThresholdMetric = 'p(95)' | 'p(99)' | 'p(90)' | 'p(50)' | 'error_rate';

export interface Threshold {
  /** the SLO it comes from, or "scenario" for a limit the scenario adds on its own */
  slo: string;
  metric: ThresholdMetric;
  /** milliseconds for percentiles, a fraction for error_rate; the measured value must stay below it */
  limit: number;
}

/** Limits a scenario sets below its SLOs' own, by metric. */
export type Tightening = Partial<Record<ThresholdMetric, number>>;

export class ThresholdError extends Error {}

/** A percentile name k6 and our summaries both use: 0.95 → "p(95)". */
function percentileOf(fraction: number): ThresholdMetric {
  const p = `p(${Math.round(fraction * 1000) / 10})`;
  if (p !== 'p(95)' && p !== 'p(99)' && p !== 'p(90)' && p !== 'p(50)') {
    throw new ThresholdError(`objective ${fraction} is not a percentile a load test reports (50, 90, 95 or 99)`);
  }
  return p;
}

/** The limit one SLO puts on a load test of the routes it covers. */
export function thresholdOf(slo: SloDefinition): Threshold {
  const ind = slo.indicator;
  if (ind.kind === 'threshold') {
    if (ind.op !== 'lte' && ind.op !== 'lt') throw new ThresholdError(`SLO ${slo.name}: a load test can judge only an upper latency bound (op lt or lte), not ${ind.op}`);
    // Timeslices: each slice must meet the per-slice percentile; a run is one slice.
    const fraction = slo.budgeting.method === 'Timeslices' ? slo.budgeting.sliceTarget : slo.objective;
    return { slo: slo.name, metric: percentileOf(fraction), limit: round(ind.value * 1000) };
  }
  if (!ind.bad && !ind.good) throw new ThresholdError(`SLO ${slo.name}: a ratio needs good or bad events to become an error rate`);
  return { slo: slo.name, metric: 'error_rate', limit: round(1 - slo.objective) };
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/**
 * The thresholds of a scenario: one per named SLO, the strictest per metric kept, then the
 * scenario's tightenings (which must be strictly lower than what the SLOs allow).
 */
export function scenarioThresholds(slos: readonly SloDefinition[], names: readonly string[], tighten: Tightening = {}): Threshold[] {
  const out: Threshold[] = [];
  for (const name of names) {
    const slo = slos.find((s) => s.name === name);
    if (!slo) throw new ThresholdError(`no SLO named ${name} in slo/specs/ (scenarios name the SLOs that judge them)`);
    out.push(thresholdOf(slo));
  }
  for (const [metric, limit] of Object.entries(tighten) as [ThresholdMetric, number][]) {
    const current = out.filter((t) => t.metric === metric);
    const loosens = current.find((t) => limit > t.limit);
    if (loosens) throw new ThresholdError(`a scenario may tighten its SLOs' limits, not loosen them: ${metric} < ${limit} is looser than ${loosens.slo}'s ${loosens.limit}`);
    out.push({ slo: 'scenario', metric, limit });
  }
  return out;
}

/** The measured value a threshold reads, from a route's or a run's figures. */
export interface Measured {
  'p(50)': number;
  'p(90)': number;
  'p(95)': number;
  'p(99)': number;
  error_rate: number;
}

export function passes(t: Threshold, m: Measured): boolean {
  return m[t.metric] < t.limit;
}

/** k6's threshold expressions for the same limits: http_req_duration and http_req_failed. */
export function k6Thresholds(ts: readonly Threshold[], tags = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of ts) {
    const metric = t.metric === 'error_rate' ? `http_req_failed${tags}` : `http_req_duration${tags}`;
    const expr = t.metric === 'error_rate' ? `rate<${t.limit}` : `${t.metric}<${t.limit}`;
    (out[metric] ??= []).includes(expr) || out[metric]!.push(expr);
  }
  return out;
}

export function describeThreshold(t: Threshold): string {
  return t.metric === 'error_rate' ? `error rate < ${(t.limit * 100).toPrecision(3)}%` : `${t.metric} < ${t.limit} ms`;
}
