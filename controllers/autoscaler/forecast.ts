// A forecast of workspace starts per hour (in base-size units): a seasonal baseline by hour
// of the week, smoothed exponentially across past weeks, times the recent trend (the last
// hours' starts against what the baseline expected for them). Robust on sparse counts
// (no negative rates, unlike additive Holt-Winters) and pure: hourly counts in, a rate out.
//
// And the pool size for it: arrivals within the provisioning lead time are Poisson, so the
// chance that a start finds the pool empty is P(X ≥ N), X ~ Poisson(rate × lead); the size
// is the smallest N that keeps that under the configured level.

export const HOUR_MS = 3_600_000;
export const WEEK_HOURS = 168;

export interface ForecastSettings {
  /** past weeks the hour-of-week baseline looks at */
  weeks: number;
  /** weight of each older week relative to the next (exponential smoothing across weeks) */
  weeklyDecay: number;
  /** completed hours the trend compares against the baseline */
  trendHours: number;
  /** the trend factor is held within these bounds */
  trendMin: number;
  trendMax: number;
  /** pseudo-count added to both sides of the trend ratio, so one start does not triple the forecast */
  trendPrior: number;
}

export const DEFAULT_FORECAST: ForecastSettings = { weeks: 4, weeklyDecay: 0.6, trendHours: 4, trendMin: 0.5, trendMax: 3, trendPrior: 2 };

/** base-unit starts per epoch hour (Math.floor(ms / HOUR_MS)) */
export type HourlyCounts = ReadonlyMap<number, number>;

export interface Forecast {
  /** expected base-unit starts in the hour */
  rate: number;
  /** the hour-of-week baseline, or null when no past week covers the hour */
  seasonal: number | null;
  trend: number;
  method: 'seasonal×trend' | 'recent mean';
}

export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS);

/** Weighted mean of the same hour in past weeks known as of `asOfHour` (exclusive). */
export function seasonalBaseline(counts: HourlyCounts, hour: number, asOfHour: number, s: ForecastSettings, earliestHour: number): number | null {
  let sum = 0;
  let weights = 0;
  let w = 1;
  for (let k = 1; k <= s.weeks; k++) {
    const h = hour - k * WEEK_HOURS;
    if (h >= asOfHour) continue;
    if (h < earliestHour) break;
    sum += w * (counts.get(h) ?? 0);
    weights += w;
    w *= s.weeklyDecay;
  }
  return weights > 0 ? sum / weights : null;
}

/**
 * The forecast for `hour`, knowing the completed hours before `asOfHour`. `earliestHour` is
 * the first hour with data: hours before it are unknown, not zero.
 */
export function forecastHour(counts: HourlyCounts, hour: number, asOfHour: number, earliestHour: number, s: ForecastSettings = DEFAULT_FORECAST): Forecast {
  const seasonal = seasonalBaseline(counts, hour, asOfHour, s, earliestHour);
  let actual = 0;
  let expected = 0;
  let n = 0;
  for (let h = asOfHour - s.trendHours; h < asOfHour; h++) {
    if (h < earliestHour) continue;
    const base = seasonalBaseline(counts, h, asOfHour, s, earliestHour);
    if (base === null) continue;
    actual += counts.get(h) ?? 0;
    expected += base;
    n++;
  }
  if (seasonal === null) {
    // Less than a week of history: the mean of the last day's hours.
    let sum = 0;
    let hours = 0;
    for (let h = Math.max(earliestHour, asOfHour - 24); h < asOfHour; h++) { sum += counts.get(h) ?? 0; hours++; }
    return { rate: hours ? sum / hours : 0, seasonal: null, trend: 1, method: 'recent mean' };
  }
  const trend = n === 0 ? 1 : Math.min(s.trendMax, Math.max(s.trendMin, (actual + s.trendPrior) / (expected + s.trendPrior)));
  return { rate: seasonal * trend, seasonal, trend, method: 'seasonal×trend' };
}

/** P(X ≤ k) for X ~ Poisson(mu), summed in a stable way. */
export function poissonCdf(k: number, mu: number): number {
  if (k < 0) return 0;
  let term = Math.exp(-mu);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= mu / i;
    sum += term;
  }
  return Math.min(1, sum);
}

/** The smallest pool N with P(X ≥ N) < emptyProbability, X ~ Poisson(mu). */
export function poolForEmptyProbability(mu: number, emptyProbability: number, cap = 1000): number {
  if (mu <= 0) return 0;
  // Under a large mean the direct sum underflows; the normal approximation with a continuity correction is ample there.
  if (mu > 500) return Math.min(cap, Math.ceil(mu + normalQuantile(1 - emptyProbability) * Math.sqrt(mu) + 0.5));
  for (let n = 0; n <= cap; n++) {
    // P(X ≥ n) = 1 - P(X ≤ n - 1)
    if (1 - poissonCdf(n - 1, mu) < emptyProbability) return n;
  }
  return cap;
}

/** P(X ≥ n): the chance that a start finds a pool of n empty. */
export function emptyProbability(n: number, mu: number): number {
  return mu <= 0 ? 0 : 1 - poissonCdf(n - 1, mu);
}

/** Acklam's rational approximation of the standard normal quantile. */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const q = p < 0.5 ? p : 1 - p;
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    const x = (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
    return p < 0.5 ? x : -x;
  }
  const r = q - 0.5;
  const s = r * r;
  const x = ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
  return p < 0.5 ? x : -x;
}
