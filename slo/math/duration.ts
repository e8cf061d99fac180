// OpenSLO duration shorthand ("0m", "5m", "1h", "30d", "4w", "1M", "1Q", "1Y"; no seconds) and Prometheus
// durations. Months, quarters and years only make sense for calendar-aligned windows; their
// nominal lengths (30, 90, 365 days) are used where a fixed length is unavoidable (burn-rate
// factors, Prometheus rule windows).

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'Q' | 'Y';
export interface Duration {
  count: number;
  unit: DurationUnit;
}

const UNIT_MS: Record<DurationUnit, number> = {
  s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY, M: 30 * DAY, Q: 90 * DAY, Y: 365 * DAY,
};

export const DURATION_PATTERN = '^[0-9]+[mhdwMQY]$';
const DURATION = new RegExp(DURATION_PATTERN);

export function parseDuration(text: string): Duration | undefined {
  if (!DURATION.test(text)) return undefined;
  return { count: Number(text.slice(0, -1)), unit: text.slice(-1) as DurationUnit };
}

/** Milliseconds of a duration; calendar units count their nominal length. */
export function durationMs(d: Duration | string): number {
  const parsed = typeof d === 'string' ? parseDuration(d) : d;
  if (!parsed) throw new Error(`not a duration: ${String(d)}`);
  return parsed.count * UNIT_MS[parsed.unit];
}

export function isCalendarUnit(unit: DurationUnit): boolean {
  return unit === 'M' || unit === 'Q' || unit === 'Y';
}

/**
 * A duration as Prometheus prints it (model.Duration's String, which Sloth's window names
 * use): weeks and years only when exact, then days, hours, minutes, seconds. 28 d is "4w",
 * 7 d "1w", 30 d "30d", 90 min "1h30m".
 */
export function promDuration(ms: number): string {
  if (ms <= 0 || ms % 1000 !== 0) throw new Error(`${ms} ms is not a positive whole number of seconds`);
  let rest = ms;
  let out = '';
  for (const [unit, size, exact] of [['y', 365 * DAY, true], ['w', 7 * DAY, true], ['d', DAY, false], ['h', HOUR, false], ['m', MINUTE, false], ['s', 1000, false]] as const) {
    if (exact && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
