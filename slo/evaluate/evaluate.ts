// One SLO at one moment, from measured event counts: the period SLI, budget left, burn rate
// per window, each alert tier's state, and the low-traffic warning. Pure.
import { budgetRemaining, burnRate, timeToExhaustionMs } from '../math/budget.ts';
import type { TimeRange } from '../math/calendar.ts';
import { alertLevel, tierState, type AlertLevel, type TierState, type WindowBurn } from '../math/alerts.ts';
import { isLowTraffic, minimumMeaningfulEvents, type EventCounts } from '../math/sli.ts';
import type { SloDefinition } from '../openslo/types.ts';

export interface Measurements {
  period: TimeRange;
  /** counts of the period so far (events, or slices for Timeslices) */
  periodCounts: EventCounts;
  /** counts per alert window length in ms, each ending now */
  windows: ReadonlyMap<number, EventCounts>;
  /** events (not slices) in the period, for the low-traffic guard */
  periodEvents: number;
}

export interface Evaluation {
  slo: string;
  /** the objective's index in the SLO's spec.objectives */
  objective: number;
  at: Date;
  target: number;
  period: TimeRange;
  events: number;
  badEvents: number;
  /** good ÷ all over the period so far; null without events */
  sli: number | null;
  budgetRemaining: number | null;
  burnRates: WindowBurn[];
  tiers: TierState[];
  alert: AlertLevel;
  lowTraffic: boolean;
  minimumEvents: number;
  /** when the budget runs out at the current 1 h burn rate; null when it does not */
  exhaustionAt: Date | null;
}

const HOUR = 3_600_000;

export function evaluateSlo(slo: SloDefinition, m: Measurements, at: Date): Evaluation {
  const { bad, total } = m.periodCounts;
  const errorRatio = total > 0 ? bad / total : null;
  const remaining = errorRatio === null ? null : budgetRemaining(errorRatio, slo.objective);
  const burnRates: WindowBurn[] = [...m.windows.entries()].sort((a, b) => a[0] - b[0]).map(([windowMs, c]) => ({
    windowMs,
    burnRate: c.total > 0 ? burnRate(c.bad / c.total, slo.objective) : 0,
    bad: c.bad,
    total: c.total,
  }));
  const byWindow = new Map(burnRates.map((b) => [b.windowMs, b]));
  const tiers = slo.tiers.map((t) => tierState(t, byWindow));
  const hourBurn = byWindow.get(HOUR)?.burnRate ?? 0;
  const toExhaustion = remaining === null ? Number.POSITIVE_INFINITY : timeToExhaustionMs(remaining, hourBurn, slo.period.ms);
  return {
    slo: slo.name,
    objective: slo.objectiveIndex,
    at,
    target: slo.objective,
    period: m.period,
    events: total,
    badEvents: bad,
    sli: errorRatio === null ? null : 1 - errorRatio,
    budgetRemaining: remaining,
    burnRates,
    tiers,
    alert: alertLevel(tiers),
    lowTraffic: isLowTraffic(m.periodEvents, slo.objective),
    minimumEvents: minimumMeaningfulEvents(slo.objective),
    exhaustionAt: Number.isFinite(toExhaustion) ? new Date(at.getTime() + toExhaustion) : null,
  };
}
