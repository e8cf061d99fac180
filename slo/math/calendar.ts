// Period bounds: a rolling window ends now; a calendar-aligned one is the period (counted
// from its start time, in its time zone, by days, weeks, months, quarters or years) that
// holds `now`. Time-zone arithmetic uses Intl so daylight-saving changes land right.
import type { Period } from '../openslo/types.ts';

export interface TimeRange {
  from: Date;
  to: Date;
}

/** Offset of `zone` from UTC at `instant`, in ms (Europe/Paris in summer: +7,200,000). */
function zoneOffsetMs(zone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant at which the wall clock in `zone` shows the given local time. */
export function zonedToUtc(zone: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date {
  const local = Date.UTC(y, mo, d, h, mi, s);
  let guess = local - zoneOffsetMs(zone, local);
  guess = local - zoneOffsetMs(zone, guess);
  return new Date(guess);
}

/** Start of the k-th calendar period after the spec's start time (k may be negative). */
function periodStart(p: Period & { kind: 'calendar' }, k: number): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(p.startTime)!;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const n = k * p.count;
  switch (p.unit) {
    case 'd': return zonedToUtc(p.timeZone, y, mo - 1, d + n, h, mi, s);
    case 'w': return zonedToUtc(p.timeZone, y, mo - 1, d + 7 * n, h, mi, s);
    case 'M': return zonedToUtc(p.timeZone, y, mo - 1 + n, d, h, mi, s);
    case 'Q': return zonedToUtc(p.timeZone, y, mo - 1 + 3 * n, d, h, mi, s);
    case 'Y': return zonedToUtc(p.timeZone, y + n, mo - 1, d, h, mi, s);
  }
}

/** The period holding `now`: [start, end) for calendar windows, [now − length, now) for rolling ones. */
export function periodAt(p: Period, now: Date): TimeRange {
  if (p.kind === 'rolling') return { from: new Date(now.getTime() - p.ms), to: now };
  let k = Math.floor((now.getTime() - periodStart(p, 0).getTime()) / p.ms);
  while (periodStart(p, k).getTime() > now.getTime()) k--;
  while (periodStart(p, k + 1).getTime() <= now.getTime()) k++;
  return { from: periodStart(p, k), to: periodStart(p, k + 1) };
}

/** The last `n` calendar months in `zone` ending with the one holding `now`, oldest first. */
export function calendarMonths(now: Date, n: number, zone = 'UTC'): TimeRange[] {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric' }).formatToParts(now);
  const y = Number(parts.find((x) => x.type === 'year')!.value);
  const m = Number(parts.find((x) => x.type === 'month')!.value) - 1;
  const out: TimeRange[] = [];
  for (let i = n - 1; i >= 0; i--) out.push({ from: zonedToUtc(zone, y, m - i, 1), to: zonedToUtc(zone, y, m - i + 1, 1) });
  return out;
}
