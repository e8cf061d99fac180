// Gathers what evaluateSlo needs from the SLO's source: counts for each alert window and
// for the period so far (Occurrences), or per-slice counts (Timeslices).
import { periodAt, type TimeRange } from '../math/calendar.ts';
import { timesliceCounts, type EventCounts } from '../math/sli.ts';
import type { SloDefinition } from '../openslo/types.ts';
import type { SliSource } from '../sources/source.ts';
import type { Measurements } from './evaluate.ts';

export function alertWindows(slo: SloDefinition): number[] {
  return [...new Set(slo.tiers.flatMap((t) => [t.longMs, t.shortMs]))].sort((a, b) => a - b);
}

export async function measure(slo: SloDefinition, source: SliSource, now: Date): Promise<Measurements> {
  const period = periodAt(slo.period, now);
  const soFar: TimeRange = { from: period.from, to: now };
  const windows = alertWindows(slo);
  const ranges = windows.map((w) => ({ from: new Date(now.getTime() - w), to: now }));
  if (slo.budgeting.method === 'Occurrences') {
    const counts = await source.counts(slo, [soFar, ...ranges]);
    return {
      period,
      periodCounts: counts[0]!,
      periodEvents: counts[0]!.total,
      windows: new Map(windows.map((w, i) => [w, counts[i + 1]!])),
    };
  }
  const { sliceMs, sliceTarget } = slo.budgeting;
  const longest = Math.max(...windows, now.getTime() - period.from.getTime());
  // Slices aligned to the period start, reaching back far enough for the longest window.
  const back = Math.ceil(longest / sliceMs) * sliceMs;
  const from = new Date(period.from.getTime() - Math.ceil((period.from.getTime() - (now.getTime() - back)) / sliceMs) * sliceMs);
  const [slices, events] = await Promise.all([
    source.slices(slo, { from, to: now }, sliceMs),
    source.counts(slo, [soFar]),
  ]);
  const startOf = (i: number) => from.getTime() + i * sliceMs;
  const within = (t0: number): EventCounts[] => slices.filter((_, i) => startOf(i) >= t0);
  return {
    period,
    periodCounts: timesliceCounts(within(period.from.getTime()), sliceTarget),
    periodEvents: events[0]!.total,
    windows: new Map(windows.map((w) => [w, timesliceCounts(within(now.getTime() - w), sliceTarget)])),
  };
}
