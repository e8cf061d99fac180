// The predictive warm pool's arithmetic, pure: the pool a forecast asks for at a moment,
// the same damped by a scale-down stabilisation window (the largest size wanted within it,
// recomputed from the history as it was then, so nothing extra is stored), and the cut a
// cost ceiling makes across pools (the unit whose removal raises P(empty) least goes first).
import { emptyProbability, forecastHour, hourOf, poolForEmptyProbability, type Forecast, type HourlyCounts } from './forecast.ts';
import type { HeadroomSettings, PoolName } from './settings.ts';

export interface PoolPrediction {
  /** the size kept: the Poisson quantile, boosted, clamped, stabilised */
  replicas: number;
  /** the Poisson quantile alone */
  raw: number;
  forecast: Forecast;
  forecastHour: number;
  /** expected base-unit starts within the lead time */
  mu: number;
  /** P(a start finds the pool empty) at `replicas` */
  emptyProbability: number;
  boost: number;
  boostReason?: string;
  /** the size wanted now, when the stabilisation window holds a larger one (else null) */
  stabilizedFrom: number | null;
  clamped: boolean;
}

export interface PoolBounds {
  min: number;
  max: number;
  boost: { extra: number; reason?: string } | null;
}

const STEP_MS = 5 * 60_000;

/** The pool wanted at `at`: the forecast over [at, at + lead] (the busier hour when it spans two). */
export function poolAt(counts: HourlyCounts, earliestHour: number, at: number, s: HeadroomSettings) {
  const asOf = hourOf(at);
  const leadMs = s.leadTimeMinutes * 60_000;
  const hours = hourOf(at + leadMs) === asOf ? [asOf] : [asOf, asOf + 1];
  let best: { f: Forecast; hour: number } | null = null;
  for (const h of hours) {
    const f = forecastHour(counts, h, asOf, earliestHour);
    if (!best || f.rate > best.f.rate) best = { f, hour: h };
  }
  const mu = (best!.f.rate / 60) * s.leadTimeMinutes;
  return { forecast: best!.f, forecastHour: best!.hour, mu, raw: poolForEmptyProbability(mu, s.emptyProbability) };
}

export function stabilizedPool(counts: HourlyCounts, earliestHour: number, now: number, s: HeadroomSettings, b: PoolBounds): PoolPrediction {
  const clamp = (n: number) => Math.min(b.max, Math.max(b.min, n));
  const extra = b.boost?.extra ?? 0;
  const nowPool = poolAt(counts, earliestHour, now, s);
  const wanted = clamp(nowPool.raw + extra);
  let held = wanted;
  // Scale-down stabilisation: the largest size wanted within the window, as the HPA's.
  for (let t = now - STEP_MS; t >= now - s.stabilizationMinutes * 60_000; t -= STEP_MS) {
    held = Math.max(held, clamp(poolAt(counts, earliestHour, t, s).raw + extra));
  }
  return {
    replicas: held, raw: nowPool.raw, forecast: nowPool.forecast, forecastHour: nowPool.forecastHour, mu: nowPool.mu,
    emptyProbability: emptyProbability(held, nowPool.mu), boost: extra, ...(b.boost?.reason ? { boostReason: b.boost.reason } : {}),
    stabilizedFrom: held > wanted ? wanted : null, clamped: wanted !== nowPool.raw + extra,
  };
}

/**
 * Within a cost ceiling per hour: while the pools cost more, take one unit from the pool
 * where that raises the chance of an empty pool least (per dollar saved).
 */
export function costCap(predictions: ReadonlyMap<string, PoolPrediction>, unitCost: Record<PoolName, number>, ceiling: number | null): Map<string, number> {
  const sizes = new Map([...predictions].map(([k, p]) => [k, p.replicas]));
  if (ceiling === null) return sizes;
  const costOf = (k: string) => unitCost[k.split('/')[1] as PoolName] ?? unitCost['on-demand'];
  let total = [...sizes].reduce((sum, [k, n]) => sum + n * costOf(k), 0);
  while (total > ceiling + 1e-9) {
    let best: string | null = null;
    let bestHarm = Infinity;
    for (const [k, n] of sizes) {
      if (n <= 0) continue;
      const mu = predictions.get(k)!.mu;
      const harm = (emptyProbability(n - 1, mu) - emptyProbability(n, mu)) / costOf(k);
      if (harm < bestHarm) { bestHarm = harm; best = k; }
    }
    if (!best) break;
    sizes.set(best, sizes.get(best)! - 1);
    total -= costOf(best);
  }
  return sizes;
}
