// One time range for the whole console, as Grafana keeps it: `from` and `to` in the URL,
// relative (`now-6h`, `now`) or absolute (ISO or epoch milliseconds); `refresh` the auto-
// refresh interval (`off`, `30s`, `1m`…); `tz` the time zone times are shown in (`browser`,
// `utc` or an IANA name). The URL wins; without one a page keeps the range last chosen.
import { page } from '$app/state';

export const RANGE_KEYS = ['from', 'to', 'refresh', 'tz'] as const;
type Key = (typeof RANGE_KEYS)[number];
export const DEFAULTS: Record<Key, string> = { from: 'now-24h', to: 'now', refresh: '1m', tz: 'browser' };

export const QUICK_RANGES = [
  ['now-15m', 'Last 15 minutes'], ['now-1h', 'Last 1 hour'], ['now-6h', 'Last 6 hours'], ['now-24h', 'Last 24 hours'],
  ['now-7d', 'Last 7 days'], ['now-30d', 'Last 30 days'],
] as const;
export const REFRESH_INTERVALS = ['off', '10s', '30s', '1m', '5m', '15m'] as const;
export const TIME_ZONES = ['browser', 'utc', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney'] as const;

/** The clock the refresh interval ticks; pages that read `resolved()` load again on each tick. */
export const clock = $state({ tick: 0, refreshedAt: Date.now() });
/** What was chosen last, for a URL that carries no range. */
const remembered = $state<Record<Key, string>>({ ...DEFAULTS });

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
const RELATIVE = /^now(?:-(\d{1,6})([smhdw]))?$/;

/** A `from`/`to` value as a time, or null when it is not one. */
export function parseTime(raw: string, now = Date.now()): number | null {
  const rel = RELATIVE.exec(raw);
  if (rel) return rel[1] ? now - Number(rel[1]) * UNIT_MS[rel[2]!]! : now;
  if (/^\d{12,14}$/.test(raw)) return Number(raw);
  const t = Date.parse(raw);
  return Number.isNaN(t) ? null : t;
}

export function refreshMs(raw: string): number | null {
  const m = /^(\d{1,4})([smh])$/.exec(raw);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

function validTz(tz: string): boolean {
  if (tz === 'browser' || tz === 'utc') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function valid(key: Key, v: string): boolean {
  if (key === 'from' || key === 'to') return parseTime(v) !== null;
  if (key === 'refresh') return v === 'off' || refreshMs(v) !== null;
  return validTz(v);
}

/** The raw value of one setting: the URL's when valid, else the one chosen last. */
export function setting(key: Key): string {
  const v = page.url?.searchParams.get(key);
  return v && valid(key, v) ? v : remembered[key];
}

/** Keeps what the URL says for the next page that carries no range. */
export function remember(url: URL): void {
  for (const k of RANGE_KEYS) {
    const v = url.searchParams.get(k);
    if (v && valid(k, v)) remembered[k] = v;
  }
}

/** The URL with the range's settings added where it has none (so that it can be shared). */
export function withRange(url: URL): URL {
  const out = new URL(url);
  for (const k of RANGE_KEYS) if (!out.searchParams.has(k)) out.searchParams.set(k, remembered[k]);
  return out;
}

export interface Resolved {
  from: Date;
  to: Date;
  /** ISO strings, as the API takes them */
  fromIso: string;
  toIso: string;
  /** the window in seconds since the epoch, for charts */
  seconds: [number, number];
  relative: boolean;
  /** the month (YYYY-MM, UTC) of `to`: what monthly reports show */
  month: string;
}

/**
 * The range now. Reading it makes an effect depend on the URL and the refresh clock, so a
 * page that loads from it loads again when either changes.
 */
export function resolved(): Resolved {
  void clock.tick;
  const now = Date.now();
  let from = parseTime(setting('from'), now) ?? now - 86400e3;
  let to = parseTime(setting('to'), now) ?? now;
  if (!(from < to)) [from, to] = [Math.min(from, to) - 60e3, Math.max(from, to)];
  const f = new Date(from);
  const t = new Date(to);
  return {
    from: f, to: t, fromIso: f.toISOString(), toIso: t.toISOString(),
    seconds: [Math.floor(from / 1000), Math.ceil(to / 1000)],
    relative: setting('to').startsWith('now'),
    month: t.toISOString().slice(0, 7),
  };
}

/** The IANA zone times are shown in (undefined: the browser's). */
export function displayZone(): string | undefined {
  const tz = setting('tz');
  return tz === 'browser' ? undefined : tz === 'utc' ? 'UTC' : tz;
}

/** The shown time zone's name, for the picker. */
export function zoneLabel(): string {
  return displayZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'browser';
}

/** A step in minutes that gives about `points` points over the range, rounded to a clock-friendly size. */
export function stepMinutes(r: Resolved, points = 120): number {
  const minutes = (r.to.getTime() - r.from.getTime()) / 60e3 / points;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
  return steps.find((s) => s >= minutes) ?? 1440;
}

export function rangeLabel(): string {
  const from = setting('from');
  const to = setting('to');
  const quick = QUICK_RANGES.find(([f]) => f === from);
  if (quick && to === 'now') return quick[1];
  return '';
}
