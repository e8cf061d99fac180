// Period SLIs and the low-traffic guard.

export interface EventCounts {
  /** events that failed the objective */
  bad: number;
  total: number;
}

/**
 * The period's error ratio: all bad events ÷ all events. Never the mean of short-window
 * ratios: an hour with 10 requests and an hour with 10,000 must not weigh the same.
 * NaN when there were no events (no evidence either way).
 */
export function periodErrorRatio(buckets: readonly EventCounts[]): number {
  let bad = 0;
  let total = 0;
  for (const b of buckets) {
    bad += b.bad;
    total += b.total;
  }
  return total > 0 ? bad / total : Number.NaN;
}

export function sumCounts(buckets: readonly EventCounts[]): EventCounts {
  return buckets.reduce((a, b) => ({ bad: a.bad + b.bad, total: a.total + b.total }), { bad: 0, total: 0 });
}

/**
 * Timeslices budgeting: each slice is good when its own good ratio reaches `sliceTarget`;
 * the SLI counts slices. A slice without events is good (nothing failed in it).
 */
export function timesliceCounts(slices: readonly EventCounts[], sliceTarget: number): EventCounts {
  let bad = 0;
  for (const s of slices) {
    if (s.total > 0 && 1 - s.bad / s.total < sliceTarget) bad += 1;
  }
  return { bad, total: slices.length };
}

/**
 * The fewest events for which one failure still fits the budget: 1 ÷ (1 − objective), so
 * 1,000 for 99.9%. Below it, a single failure breaks the objective and the SLI says little.
 */
export function minimumMeaningfulEvents(objective: number): number {
  return Math.ceil(1 / (1 - objective) - 1e-9);
}

export function isLowTraffic(totalEvents: number, objective: number): boolean {
  return totalEvents < minimumMeaningfulEvents(objective);
}

/** Alerts need more than one bad event in the long window: one failed request never pages. */
export const MIN_BAD_EVENTS_TO_ALERT = 2;
