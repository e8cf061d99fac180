// Error budgets and burn rates (The Site Reliability Workbook, "Alerting on SLOs").
// Ratios are fractions in [0, 1]; durations are milliseconds.

/** The share of events allowed to fail: 1 − objective (0.001 for 99.9%). */
export function errorBudget(objective: number): number {
  return 1 - objective;
}

/** How long the whole period could be fully down within budget (99.9% of 30 d = 43.2 min). */
export function budgetDowntimeMs(objective: number, periodMs: number): number {
  return errorBudget(objective) * periodMs;
}

/** How many times faster than "exactly on budget" the budget is being spent. */
export function burnRate(errorRatio: number, objective: number): number {
  return errorRatio / errorBudget(objective);
}

/** Share of the period's budget a window at this burn rate spends (14.4 × 1 h ÷ 720 h = 2%). */
export function budgetSpent(rate: number, windowMs: number, periodMs: number): number {
  return (rate * windowMs) / periodMs;
}

/**
 * Share of the budget left after the period so far: 1 − (period error ratio ÷ budget).
 * Negative when the budget is overspent; 1 when nothing has failed.
 */
export function budgetRemaining(periodErrorRatio: number, objective: number): number {
  return 1 - periodErrorRatio / errorBudget(objective);
}

/**
 * Time until the remaining budget is gone at a steady burn rate: remaining × period ÷ rate.
 * Burn 1000 on a full 99.9% / 30 d budget: 43.2 minutes. Infinity when nothing burns.
 */
export function timeToExhaustionMs(remaining: number, rate: number, periodMs: number): number {
  if (remaining <= 0) return 0;
  if (!(rate > 0)) return Number.POSITIVE_INFINITY;
  return (remaining * periodMs) / rate;
}
