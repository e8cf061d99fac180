// Whether an SLO's alert tiers fire, from the burn rates the evaluator measured.
import { MIN_BAD_EVENTS_TO_ALERT } from './sli.ts';
import type { AlertTier, Severity } from './tiers.ts';

export interface WindowBurn {
  windowMs: number;
  burnRate: number;
  /** bad events in the window */
  bad: number;
  total: number;
}

export interface TierState {
  tier: AlertTier;
  longBurn: number;
  shortBurn: number;
  firing: boolean;
  /** the burn rates were high, but too few events failed to alert on them */
  suppressedLowTraffic: boolean;
}

export type AlertLevel = Severity | 'none';

/** One tier fires when both windows burn faster than its factor and more than one event failed. */
export function tierState(tier: AlertTier, byWindow: ReadonlyMap<number, WindowBurn>): TierState {
  const long = byWindow.get(tier.longMs);
  const short = byWindow.get(tier.shortMs);
  if (!long || !short) throw new Error(`no burn rate measured for the ${tier.longMs} ms / ${tier.shortMs} ms windows`);
  const over = (rate: number) => (tier.op === 'gte' ? rate >= tier.factor : rate > tier.factor);
  const burning = over(long.burnRate) && over(short.burnRate);
  const enoughFailures = long.bad >= MIN_BAD_EVENTS_TO_ALERT;
  return {
    tier,
    longBurn: long.burnRate,
    shortBurn: short.burnRate,
    firing: burning && enoughFailures,
    suppressedLowTraffic: burning && !enoughFailures,
  };
}

/** The highest severity firing: page over ticket over none. */
export function alertLevel(states: readonly TierState[]): AlertLevel {
  if (states.some((s) => s.firing && s.tier.severity === 'page')) return 'page';
  if (states.some((s) => s.firing && s.tier.severity === 'ticket')) return 'ticket';
  return 'none';
}
