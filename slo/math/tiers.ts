// Multi-window, multi-burn-rate alert tiers (the Workbook's recommendation): each tier spends
// a share of the period's budget within its long window, and must also still be burning over
// a short window (1/12 of the long one) so the alert resets soon after the burn stops.
import { DAY, HOUR, MINUTE } from './duration.ts';

export type Severity = 'page' | 'ticket';

export interface TierPolicy {
  severity: Severity;
  /** share of the period's budget spent within `longMs` that triggers the tier */
  budgetShare: number;
  longMs: number;
  shortMs: number;
}

export interface AlertTier {
  severity: Severity;
  /** burn rate both windows must exceed */
  factor: number;
  longMs: number;
  shortMs: number;
  /** how long the condition must hold before the alert fires (Prometheus `for`) */
  forMs: number;
  /** the share of the budget the tier stands for, when it was derived from one */
  budgetShare?: number;
  /** gte fires at the factor itself; gt (the default) only above it */
  op?: 'gt' | 'gte';
  /** the severity as the spec wrote it (such as "critical"), when it was not page or ticket */
  severityName?: string;
}

export const WORKBOOK_POLICIES: readonly TierPolicy[] = [
  { severity: 'page', budgetShare: 0.02, longMs: HOUR, shortMs: 5 * MINUTE },
  { severity: 'page', budgetShare: 0.05, longMs: 6 * HOUR, shortMs: 30 * MINUTE },
  { severity: 'ticket', budgetShare: 0.10, longMs: DAY, shortMs: 2 * HOUR },
  { severity: 'ticket', budgetShare: 0.10, longMs: 3 * DAY, shortMs: 6 * HOUR },
];

/** Burn rate at which `budgetShare` of a `periodMs` budget is spent in `longMs`. */
export function burnRateFactor(budgetShare: number, periodMs: number, longMs: number): number {
  return (budgetShare * periodMs) / longMs;
}

/** Periods from this length up keep the Workbook's windows (as Sloth does); shorter ones scale them. */
export const FIXED_WINDOWS_FROM = 7 * DAY;
/** No rate window shorter than this: Prometheus needs a few scrapes in a window. */
export const MIN_WINDOW_MS = 5 * MINUTE;

const roundMinutes = (ms: number) => Math.max(MINUTE, Math.round(ms / MINUTE) * MINUTE);

/**
 * The Workbook tiers for an SLO period. From 7 days up, Sloth's windows (1h/5m, 6h/30m,
 * 1d/2h, 3d/6h) with factors from the budget shares: 30 d gives 14.4, 6, 3, 1; 28 d gives
 * 13.44, 5.6, 2.8, 0.933; 7 d gives 3.36, 1.4, 0.7, 0.233. Shorter periods (1 to 6 days)
 * would get page factors below 1 and windows longer than the period, so there the 7-day
 * windows shrink with the period and keep the 7-day factors, as Pyrra scales its windows:
 * each tier still stands for the same share of the budget (no window shorter than 5m).
 */
export function workbookTiers(periodMs: number, policies: readonly TierPolicy[] = WORKBOOK_POLICIES): AlertTier[] {
  const scale = Math.min(1, periodMs / FIXED_WINDOWS_FROM);
  const reference = Math.max(periodMs, FIXED_WINDOWS_FROM);
  return policies.map((p) => {
    const longMs = scale === 1 ? p.longMs : Math.max(MIN_WINDOW_MS * 2, roundMinutes(p.longMs * scale));
    const shortMs = scale === 1 ? p.shortMs : Math.max(MIN_WINDOW_MS, roundMinutes(p.shortMs * scale));
    return {
      severity: p.severity,
      factor: burnRateFactor(p.budgetShare, reference, p.longMs),
      longMs,
      shortMs,
      forMs: 0,
      budgetShare: p.budgetShare,
    };
  });
}

/**
 * A tier can only fire if an error ratio of at most 100% reaches its burn rate: with a 40%
 * objective the budget is 60%, so nothing can burn faster than 1/0.6 ≈ 1.67.
 */
export function tierReachable(tier: AlertTier, objective: number): boolean {
  return tier.factor * (1 - objective) < 1;
}
