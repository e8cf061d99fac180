// OpenSLO duration shorthand ("5m", "1h", "30d", "4w", "1M", "1Q", "1Y") and Prometheus
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

export const DURATION_PATTERN = '^[1-9][0-9]*[smhdwMQY]$';
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

/** The shortest Prometheus duration for `ms` ("5m", "1h", "30d", "90s"). */
export function promDuration(ms: number): string {
  for (const [unit, size] of [['w', 7 * DAY], ['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) {
      // Prometheus' own spelling of 7d is 1w; rule names keep "d" for days like Sloth does.
      if (unit === 'w') continue;
      return `${ms / size}${unit}`;
    }
  }
  if (ms % 1000 !== 0 || ms <= 0) throw new Error(`${ms} ms is not a whole number of seconds`);
  return `${ms / 1000}s`;
}
