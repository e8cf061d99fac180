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

/** The Workbook tiers for an SLO period: 30 d gives 14.4, 6, 3, 1; 28 d gives 13.44, 5.6, 2.8, 0.933. */
export function workbookTiers(periodMs: number, policies: readonly TierPolicy[] = WORKBOOK_POLICIES): AlertTier[] {
  return policies.map((p) => ({
    severity: p.severity,
    factor: burnRateFactor(p.budgetShare, periodMs, p.longMs),
    longMs: p.longMs,
    shortMs: p.shortMs,
    forMs: 0,
    budgetShare: p.budgetShare,
  }));
}

/**
 * A tier can only fire if an error ratio of at most 100% reaches its burn rate: with a 40%
 * objective the budget is 60%, so nothing can burn faster than 1/0.6 ≈ 1.67.
 */
export function tierReachable(tier: AlertTier, objective: number): boolean {
  return tier.factor * (1 - objective) < 1;
}
