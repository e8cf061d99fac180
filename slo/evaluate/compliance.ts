// Calendar-month compliance (UTC): each month's bad ÷ total events against the objective,
// counted as the SLO budgets (occurrences, or good and bad timeslices).
import { budgetRemaining } from '../math/budget.ts';
import { calendarMonths } from '../math/calendar.ts';
import { timesliceCounts } from '../math/sli.ts';
import type { SloDefinition } from '../openslo/types.ts';
import type { SliSource } from '../sources/source.ts';

export interface MonthCompliance {
  /** YYYY-MM */
  month: string;
  events: number;
  badEvents: number;
  /** null without events */
  sli: number | null;
  objective: number;
  budgetRemaining: number | null;
  met: boolean | null;
}

/** The last `months` calendar months up to `now` (the current one so far). */
export async function monthlyCompliance(s: SloDefinition, source: SliSource, now: Date, months: number): Promise<MonthCompliance[]> {
  const windows = calendarMonths(now, months).map((m) => ({ ...m, to: m.to > now ? now : m.to }));
  const counts = s.budgeting.method === 'Occurrences'
    ? await source.counts(s, windows)
    : await Promise.all(windows.map(async (m) => timesliceCounts(await source.slices(s, m, (s.budgeting as { sliceMs: number }).sliceMs), (s.budgeting as { sliceTarget: number }).sliceTarget)));
  return windows.map((m, i) => {
    const c = counts[i]!;
    const sli = c.total > 0 ? 1 - c.bad / c.total : null;
    return {
      month: m.from.toISOString().slice(0, 7), events: c.total, badEvents: c.bad, sli, objective: s.objective,
      budgetRemaining: sli === null ? null : budgetRemaining(1 - sli, s.objective), met: sli === null ? null : sli >= s.objective,
    };
  });
}
