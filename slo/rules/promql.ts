// PromQL for an SLI: the error ratio over a window, and the bad/total event rates, built
// from the spec's selectors. Counters are always wrapped in rate()/increase() here.
import { promDuration } from '../math/duration.ts';
import { leMatcher, withMatcher } from '../openslo/selector.ts';
import type { Indicator, PromQuery, SloDefinition } from '../openslo/types.ts';

/** Numbers as PromQL literals without float noise (1 − 0.999 → 0.001). */
export function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}

export interface CounterPair {
  /** selector counting bad events, or undefined when the SLI names good events */
  bad?: string;
  /** selector counting good events, when the SLI names them */
  good?: string;
  total: string;
}

/** The counters an indicator reads; histogram thresholds become `le` buckets. */
export function counters(ind: Indicator): CounterPair {
  const sel = (q: PromQuery | undefined) => q?.selector;
  if (ind.kind === 'ratio') {
    const q = (m: Indicator & { kind: 'ratio' }, k: 'good' | 'bad' | 'total') => m[k]?.type === 'Prometheus' ? sel(m[k] as PromQuery) : undefined;
    return { bad: q(ind, 'bad'), good: q(ind, 'good'), total: q(ind, 'total')! };
  }
  const bucket = (ind.metric as PromQuery).selector;
  return { good: withMatcher(bucket, leMatcher(ind.value)), total: withMatcher(bucket, leMatcher(Number.POSITIVE_INFINITY)) };
}

const agg = (fn: 'rate' | 'increase', selector: string, w: string) => `sum(${fn}(${selector}[${w}]))`;
/**
 * A numerator that may have no series yet: a bad-events counter appears with the first bad
 * event, so until then it counts 0 (as Pyrra does), and the SLI is 100% instead of absent.
 * The denominator is never guarded: no traffic stays no data.
 */
const orZero = (expr: string) => `(${expr} or vector(0))`;

/** Error ratio of all events in the window. */
export function errorRatioExpr(ind: Indicator, windowMs: number): string {
  const c = counters(ind);
  const w = promDuration(windowMs);
  if (c.bad) return `${orZero(agg('rate', c.bad, w))}\n/\n(${agg('rate', c.total, w)})`;
  return `1 - (\n  ${orZero(agg('rate', c.good!, w))}\n  /\n  (${agg('rate', c.total, w)})\n)`;
}

/** Rate of bad events (per second) over the window. */
export function badRateExpr(ind: Indicator, windowMs: number): string {
  const c = counters(ind);
  const w = promDuration(windowMs);
  return c.bad ? orZero(agg('rate', c.bad, w)) : `${agg('rate', c.total, w)} - ${orZero(agg('rate', c.good!, w))}`;
}

export function totalRateExpr(ind: Indicator, windowMs: number): string {
  return agg('rate', counters(ind).total, promDuration(windowMs));
}

/** Count of bad events in the window (for the low-traffic guard). */
export function badIncreaseExpr(ind: Indicator, windowMs: number): string {
  const c = counters(ind);
  const w = promDuration(windowMs);
  return c.bad ? orZero(agg('increase', c.bad, w)) : `${agg('increase', c.total, w)} - ${orZero(agg('increase', c.good!, w))}`;
}

/**
 * The id of an SLO objective in rule groups and the sloth_id label. "/" cannot occur in a
 * Service or SLO name (DNS labels), so service a-b with SLO c and service a with SLO b-c
 * stay apart (Sloth's "-" joins both into a-b-c); an SLO with several objectives adds the
 * objective's index.
 */
export function sloId(slo: SloDefinition): string {
  return `${slo.service}/${slo.name}${slo.objectiveCount > 1 ? `/${slo.objectiveIndex}` : ''}`;
}

export function idLabels(slo: SloDefinition): Record<string, string> {
  return { sloth_id: sloId(slo), sloth_service: slo.service, sloth_slo: slo.name, ...(slo.objectiveCount > 1 ? { sloth_objective: String(slo.objectiveIndex) } : {}) };
}

/**
 * OpenSLO label keys may hold "-" and "." and start with a digit; Prometheus label names
 * may not. Each other character becomes "_" (a leading digit gets a "_" before it).
 */
export function promLabelName(key: string): string {
  const s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

export function idMatchers(slo: SloDefinition): string {
  return Object.entries(idLabels(slo)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}
