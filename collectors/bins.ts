// Where time buckets start. A step that divides a day is aligned on the clock (UTC epoch
// origin), so an hourly bucket holds 11:00–12:00 whatever the window's start; a step that does
// not (such as "the whole window") is aligned on the window's start, giving one bucket.
const DAY_MINUTES = 1440;
export const EPOCH = new Date(0);

/** The date_bin origin for a step of `stepMinutes` over a window starting at `from`. */
export function binOrigin(stepMinutes: number, from: Date): Date {
  return stepMinutes <= DAY_MINUTES && DAY_MINUTES % stepMinutes === 0 ? EPOCH : from;
}
