// The predictive warm pool: the forecast, the Poisson sizing, the damping that ends the
// 13→10→11→13 flapping, the knobs (ceilings, boosts) and the audit text naming the forecast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEADROOM, decideAutoscaler, type AutoscalerObservation, type HeadroomSettings } from '../../../controllers/autoscaler/decide.ts';
import { emptyProbability, forecastHour, hourOf, poissonCdf, poolForEmptyProbability, WEEK_HOURS } from '../../../controllers/autoscaler/forecast.ts';
import { boostFor } from '../../../controllers/autoscaler/knobs.ts';
import { costCap, stabilizedPool } from '../../../controllers/autoscaler/predictive.ts';

const NOW = Date.parse('2026-11-30T14:00:00Z'); // a Monday, 14:00
const H = hourOf(NOW);
const S: HeadroomSettings = { ...DEFAULT_HEADROOM, leadTimeMinutes: 5 };

/** four weeks where hour-of-week h had `f(h)` starts */
function weeks(f: (hourOfDay: number) => number, n = 4): Map<number, number> {
  const m = new Map<number, number>();
  for (let h = H - n * WEEK_HOURS; h < H; h++) m.set(h, f(((h % 24) + 24) % 24));
  return m;
}

test('the forecast is the same hour of past weeks, scaled by how the last hours compared with their own baseline', () => {
  const counts = weeks((hod) => (hod === 14 ? 30 : 10));
  const f = forecastHour(counts, H, H, H - 4 * WEEK_HOURS);
  assert.equal(f.method, 'seasonal×trend');
  assert.equal(f.seasonal, 30);
  assert.ok(Math.abs(f.trend - 1) < 1e-9);
  // The last four hours ran at twice their baseline: the forecast follows the trend.
  for (let h = H - 4; h < H; h++) counts.set(h, 20);
  const busy = forecastHour(counts, H, H, H - 4 * WEEK_HOURS);
  assert.ok(busy.trend > 1.7 && busy.trend < 2, `trend ${busy.trend}`);
  assert.ok(Math.abs(busy.rate - 30 * busy.trend) < 1e-9);
});

test('the forecast never reads the hour it forecasts or later (no look-ahead)', () => {
  const counts = weeks(() => 10);
  const before = forecastHour(counts, H, H, H - 4 * WEEK_HOURS);
  counts.set(H, 500);
  counts.set(H + 1, 500);
  assert.deepEqual(forecastHour(counts, H, H, H - 4 * WEEK_HOURS), before);
});

test('under a week of history the forecast is the mean of the last day', () => {
  const counts = new Map<number, number>([[H - 2, 6], [H - 1, 12]]);
  const f = forecastHour(counts, H, H, H - 2);
  assert.deepEqual([f.method, f.rate], ['recent mean', 9]);
});

test('the pool is the smallest N with P(Poisson ≥ N) under the level', () => {
  // mu = 2: P(X ≥ 6) = 1.66 %, P(X ≥ 7) = 0.45 %
  assert.equal(poolForEmptyProbability(2, 0.01), 7);
  assert.ok(emptyProbability(7, 2) < 0.01 && emptyProbability(6, 2) >= 0.01);
  assert.equal(poolForEmptyProbability(0, 0.01), 0);
  assert.ok(Math.abs(poissonCdf(0, 3) - Math.exp(-3)) < 1e-12);
  // a large mean: the normal approximation stays close to the exact quantile (mu + 2.33 sqrt(mu))
  const n = poolForEmptyProbability(900, 0.01);
  assert.ok(n >= 968 && n <= 972, String(n));
});

function observe(counts: Map<number, number>, extra: Partial<AutoscalerObservation> = {}): AutoscalerObservation {
  return {
    now: new Date(NOW), settings: S, tenants: [], namespaceReady: true, priorityClassReady: true,
    pools: [{ region: 'us-east-1', pool: 'on-demand', replicas: 0 }],
    history: new Map([['us-east-1/on-demand', { counts, earliestHour: H - 4 * WEEK_HOURS }]]), ...extra,
  };
}

test('a scale decision says which forecast drove it', () => {
  // 24 starts/h at 14:00 → 2 expected within 5 min → 7 keep P(empty) < 1 %
  const [d] = decideAutoscaler(observe(weeks((hod) => (hod === 14 ? 24 : 2))));
  assert.equal(d!.decision, 'headroom us-east-1/on-demand 0→7');
  assert.match(d!.reason, /^forecast 24\.00 base-unit starts\/h for us-east-1\/on-demand \(hour-of-week baseline 24\.00 × trend 1\.00\)/);
  assert.match(d!.reason, /2\.00 expected within the 5-min lead time: 7 keep P\(start finds the pool empty\) at 0\.45% < 1\.00%/);
  assert.equal((d!.inputs.forecast as { method: string }).method, 'seasonal×trend');
});

test('damped: the pool falls only after the stabilisation window, so it does not flap', () => {
  // Busy until 14:00, quiet from 14:00 on: at 14:05 the 13:55 size still holds.
  const counts = weeks((hod) => (hod === 13 ? 36 : 2));
  const at = (min: number) => stabilizedPool(counts, H - 4 * WEEK_HOURS, NOW + min * 60_000, S, { min: 0, max: 40, boost: null });
  const busy = at(-5).replicas;
  assert.ok(busy >= 8, `busy pool ${busy}`);
  assert.equal(at(5).replicas, busy, 'held within 15 min of the last busy size');
  assert.ok(at(5).stabilizedFrom! < busy);
  assert.ok(at(16).replicas < busy, 'released after the window');
  // Rising again is never held.
  assert.equal(at(-5).stabilizedFrom, null);
});

test('boosts raise a pool until they expire; the per-pool ceiling cuts it', () => {
  const knobs = { maxPerPool: 5, boosts: [{ region: 'us-east-1', extra: 3, until: new Date(NOW + 60_000).toISOString(), by: 'remediation', reason: 'startup SLO burning' }] };
  assert.deepEqual(boostFor(knobs, 'us-east-1', 'spot', NOW)?.extra, 3);
  assert.equal(boostFor(knobs, 'us-east-1', 'spot', NOW + 120_000), null);
  const [d] = decideAutoscaler(observe(weeks(() => 1), { knobs: { boosts: knobs.boosts } }));
  assert.match(d!.reason, /raised by 3 \(startup SLO burning by remediation until/);
  const [capped] = decideAutoscaler(observe(weeks(() => 24), { knobs }));
  assert.equal(capped!.action.kind === 'scale' && capped!.action.to, 5);
});

test('a cost ceiling takes units where they matter least, until the pools fit', () => {
  const p = (mu: number, replicas: number) => ({ replicas, raw: replicas, mu, emptyProbability: 0, boost: 0, stabilizedFrom: null, clamped: false, forecastHour: H, forecast: { rate: 0, seasonal: null, trend: 1, method: 'recent mean' as const } });
  const preds = new Map([['a/on-demand', p(0.2, 3)], ['b/on-demand', p(3, 9)]]);
  const sizes = costCap(preds, { 'on-demand': 1, spot: 0.3 }, 10);
  assert.equal([...sizes.values()].reduce((a, b) => a + b, 0), 10);
  assert.deepEqual([sizes.get('a/on-demand'), sizes.get('b/on-demand')], [2, 8], 'the quiet pool gives up its spare unit first');
});
