// Every number and time the console shows goes through here, so one objective reads the
// same on every page: counts with separators and no float noise, durations with units,
// percentages with the digits asked for, money, times in the chosen time zone (named).
import { displayZone } from './time-range.svelte.ts';

const DASH = '—';
const missing = (v: unknown): v is null | undefined => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** A count: whole numbers with separators; fractional counts (sums of weighted events) to at most 2 decimals. */
export function count(v: number | string | null | undefined): string {
  if (missing(v)) return DASH;
  const n = typeof v === 'string' ? Number(v) : v;
  if (!Number.isFinite(n)) return DASH;
  return n.toLocaleString('en-US', { maximumFractionDigits: Number.isInteger(n) ? 0 : Math.abs(n) >= 100 ? 0 : 2 });
}

/** A duration from milliseconds, always with its unit: "0.42 ms", "12.3 ms", "2.96 s", "4 min 5 s", "2 h 10 min". */
export function duration(ms: number | null | undefined): string {
  if (missing(ms)) return DASH;
  const a = Math.abs(ms);
  if (a < 10) return `${ms.toFixed(2)} ms`;
  if (a < 1000) return `${ms.toFixed(a < 100 ? 1 : 0)} ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

/** Seconds, with a unit (the API gives some durations in seconds). */
export const seconds = (s: number | null | undefined) => duration(missing(s) ? s : s * 1000);

/** A ratio as a percentage (0.25 → "25%"); a dash when unknown. */
export function percent(v: number | null | undefined, digits = 0): string {
  return missing(v) ? DASH : `${(v * 100).toFixed(digits)}%`;
}

/** Digits that show an objective exactly: 99.9% → 1, 99.99% → 2, 95% → 1 (always at least 1). */
export function objectiveDigits(objective: number): number {
  for (let d = 1; d <= 4; d++) if (Math.abs(Math.round(objective * 100 * 10 ** d) - objective * 100 * 10 ** d) < 1e-6) return d;
  return 4;
}

/** An objective, with the same digits everywhere. */
export const objective = (o: number) => percent(o, objectiveDigits(o));

/** A signed change in percent ("+12.5%", "−3%"); a dash when there is nothing to compare with. */
export function change(pct: number | null | undefined): string {
  if (missing(pct)) return DASH;
  return `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${Math.abs(pct).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
}

/** US dollars ("$3.65"); a dash when unknown. Accepts the API's decimal strings. */
export function usd(v: number | string | null | undefined, digits = 2): string {
  if (missing(v)) return DASH;
  const n = typeof v === 'string' ? Number(v) : v;
  return `${n < 0 ? '−' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** A burn rate ("14.4×"). */
export function burn(v: number | null | undefined): string {
  if (missing(v)) return DASH;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A date and time in the chosen time zone, with the zone named ("Dec 3, 14:05:09 UTC"). */
export function dateTime(iso: string | number | Date | null | undefined, opts: { seconds?: boolean; date?: boolean } = {}): string {
  if (iso === null || iso === undefined || iso === '') return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return DASH;
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: displayZone(), ...(opts.date === false ? {} : { year: 'numeric', month: 'short', day: 'numeric' }),
    hour: '2-digit', minute: '2-digit', ...(opts.seconds === false ? {} : { second: '2-digit' }), hour12: false, timeZoneName: 'short',
  }).format(d);
}

/** A time of day only, in the chosen zone, with the zone named. */
export const timeOfDay = (iso: string | null | undefined) => dateTime(iso, { date: false });

/** A calendar date in the chosen zone. */
export function dateOnly(iso: string | null | undefined): string {
  if (!iso) return DASH;
  return new Intl.DateTimeFormat('en-GB', { timeZone: displayZone(), year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
}

/** Bytes as GiB with one decimal. */
export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** CPU cores, whole when they are. */
export const cores = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
