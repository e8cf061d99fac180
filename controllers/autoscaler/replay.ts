// `pilothouse autoscale replay`: both warm-pool policies through the same pure
// decideAutoscaler over a simulated week of workspace starts (a daily and weekly shape, a
// slow growth, and bursts), in virtual time. Before the week, four weeks of the same
// process are history for the forecast. Each start that finds enough warm placeholders
// starts warm; otherwise it waits for a node. Startup times come from the caller (the
// sandbox's timings). Pure and seeded: the same seed gives the same figures.
import { decideAutoscaler, type AutoscalerObservation, type HeadroomSettings, type PoolName, type Start } from './decide.ts';
import { HOUR_MS, hourOf } from './forecast.ts';
import { parseQuota } from '../../tenancy/quotas.ts';

export interface StartupTimings {
  /** a start on a node with room: scheduled → running → ready */
  warmMs: [number, number];
  /** a start that needs a new node: the cluster autoscaler's delay plus provisioning */
  nodeMs: number;
  /** one start in `imagePullShare` pulls the image first, taking `imagePullMs` instead of the warm start */
  imagePullShare: number;
  imagePullMs: [number, number];
}

export interface ReplayOptions {
  seed: number;
  /** the replayed span (default 7 days), after `historyWeeks` of history */
  days?: number;
  historyWeeks?: number;
  region?: string;
  pool?: PoolName;
  /** weekday peak, base-unit starts per hour */
  peakPerHour?: number;
  /** bursts per weekday (a team starting many workspaces within a few minutes) */
  burstsPerDay?: number;
  timings: StartupTimings;
  settings: HeadroomSettings;
}

export interface PolicyOutcome {
  policy: string;
  starts: number;
  coldStarts: number;
  coldShare: number;
  p95StartSeconds: number;
  /** USD for the placeholders' capacity over the span */
  placeholderCost: number;
  placeholderUnitHours: number;
  /** pool size changes: the flapping a damped pool avoids */
  scaleChanges: number;
}

type Rng = () => number;
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const between = (r: Rng, [lo, hi]: [number, number]) => lo + (hi - lo) * r();
function poisson(r: Rng, mu: number): number {
  let k = 0;
  let p = Math.exp(-mu);
  let s = p;
  const u = r();
  while (u > s && k < 1000) { k++; p *= mu / k; s += p; }
  return k;
}

/** Starts per hour relative to the weekday peak: nights quiet, office hours busy, weekends a third. */
export function demandShape(ms: number): number {
  const d = new Date(ms);
  const h = d.getUTCHours() + d.getUTCMinutes() / 60;
  const weekday = d.getUTCDay();
  const day = 0.08 + 0.92 * Math.exp(-(((h - 14) / 3.2) ** 2)) + 0.25 * Math.exp(-(((h - 20) / 1.5) ** 2));
  const week = weekday === 0 ? 0.25 : weekday === 6 ? 0.35 : 1;
  return day * week;
}

/** The arrivals: the non-homogeneous Poisson process of the shape, bursts, and resource factors 1/2/4. */
export function generateStarts(o: Required<Pick<ReplayOptions, 'seed' | 'days' | 'historyWeeks' | 'region' | 'pool' | 'peakPerHour' | 'burstsPerDay'>>, from: number): Start[] {
  const r = mulberry32(o.seed);
  const out: Start[] = [];
  const factor = () => { const u = r(); return u < 0.8 ? 1 : u < 0.95 ? 2 : 4; };
  const end = from + (o.historyWeeks * 7 + o.days) * 24 * HOUR_MS;
  const span = end - from;
  for (let t = from; t < end; t += 60_000) {
    // a slow growth: 10 % more at the end than at the start
    const growth = 1 + 0.1 * ((t - from) / span);
    const n = poisson(r, (o.peakPerHour / 60 / 1.4) * demandShape(t) * growth);
    for (let i = 0; i < n; i++) out.push({ at: new Date(t + r() * 60_000), region: o.region, pool: o.pool, resourceFactor: factor() });
    // bursts, mostly in office hours
    if (r() < (o.burstsPerDay / (24 * 60)) * demandShape(t) * 3) {
      const size = 6 + Math.floor(r() * 12);
      const len = 60_000 + r() * 120_000;
      for (let i = 0; i < size; i++) out.push({ at: new Date(t + r() * len), region: o.region, pool: o.pool, resourceFactor: 1 });
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** Runs one policy over the span. `settings.policy` picks it; everything else is shared. */
export function replayPolicy(o: ReplayOptions, settings: HeadroomSettings, label = settings.policy): PolicyOutcome {
  const opts = { days: 7, historyWeeks: 4, region: 'us-east-1', pool: 'on-demand' as PoolName, peakPerHour: 40, burstsPerDay: 3, ...o };
  // Monday 00:00 UTC, four weeks before the replayed week.
  const from = Date.parse('2026-10-05T00:00:00Z');
  const all = generateStarts(opts, from);
  const replayFrom = from + opts.historyWeeks * 7 * 24 * HOUR_MS;
  const replayTo = replayFrom + opts.days * 24 * HOUR_MS;
  const key = `${opts.region}/${opts.pool}`;
  const counts = new Map<number, number>();
  const rt = mulberry32(o.seed ^ 0x9e3779b9);
  const quota = parseQuota({});
  const unitCost = settings.unitCostPerHour[opts.pool];
  const refillMs = o.timings.nodeMs;

  let target = 0;
  let warm = 0;
  let arriving: { at: number; units: number }[] = [];
  let cost = 0;
  let unitHours = 0;
  let changes = 0;
  const startTimes: number[] = [];
  let cold = 0;
  let i = 0;
  // History: every start before the replay is known to the forecast from the beginning.
  while (i < all.length && all[i]!.at.getTime() < replayFrom) {
    const h = hourOf(all[i]!.at.getTime());
    counts.set(h, (counts.get(h) ?? 0) + all[i]!.resourceFactor);
    i++;
  }
  const recent: Start[] = all.slice(0, i).filter((s) => s.at.getTime() >= replayFrom - settings.lookbackMinutes * 60_000);
  const earliestHour = hourOf(from);
  for (let t = replayFrom; t < replayTo; t += 60_000) {
    // decide, once a minute, through the controller's own pure function
    while (recent.length && recent[0]!.at.getTime() < t - settings.lookbackMinutes * 60_000) recent.shift();
    const obs: AutoscalerObservation = {
      now: new Date(t), settings, namespaceReady: true, priorityClassReady: true,
      tenants: [{ tenantId: 'replay', starts: recent, quota, used: {} }],
      pools: [{ region: opts.region, pool: opts.pool, replicas: target }],
      history: new Map([[key, { counts, earliestHour }]]),
    };
    for (const d of decideAutoscaler(obs)) {
      if (d.action.kind === 'scale') { target = d.action.to; changes++; }
    }
    // bring what is provisioned (warm + on its way) to the target
    const provisioned = warm + arriving.reduce((n, a) => n + a.units, 0);
    if (provisioned < target) arriving.push({ at: t + refillMs, units: target - provisioned });
    else if (provisioned > target) {
      let excess = provisioned - target;
      arriving.sort((a, b) => b.at - a.at);
      for (const a of arriving) { const take = Math.min(a.units, excess); a.units -= take; excess -= take; }
      arriving = arriving.filter((a) => a.units > 0);
      warm -= excess;
    }
    // the minute's starts
    while (i < all.length && all[i]!.at.getTime() < t + 60_000) {
      const s = all[i++]!;
      const at = s.at.getTime();
      for (const a of arriving) if (a.at <= at) { warm += a.units; a.units = 0; }
      arriving = arriving.filter((a) => a.units > 0);
      const pull = rt() < o.timings.imagePullShare;
      const startMs = pull ? between(rt, o.timings.imagePullMs) : between(rt, o.timings.warmMs);
      if (warm >= s.resourceFactor) {
        warm -= s.resourceFactor;
        // the evicted placeholder is pending at once: its node is on the way
        arriving.push({ at: at + refillMs, units: s.resourceFactor });
        startTimes.push(startMs);
      } else {
        cold++;
        startTimes.push(o.timings.nodeMs + startMs);
      }
      const h = hourOf(at);
      counts.set(h, (counts.get(h) ?? 0) + s.resourceFactor);
      recent.push(s);
    }
    for (const a of arriving) if (a.at <= t + 60_000) { warm += a.units; a.units = 0; }
    arriving = arriving.filter((a) => a.units > 0);
    const units = warm + arriving.reduce((n, a) => n + a.units, 0);
    unitHours += units / 60;
    cost += (units / 60) * unitCost;
  }
  const sorted = [...startTimes].sort((a, b) => a - b);
  return {
    policy: label, starts: startTimes.length, coldStarts: cold, coldShare: startTimes.length ? cold / startTimes.length : 0,
    p95StartSeconds: percentile(sorted, 0.95) / 1000, placeholderCost: cost, placeholderUnitHours: unitHours, scaleChanges: changes,
  };
}

export function formatOutcomes(rows: readonly PolicyOutcome[]): string {
  const head = ['policy', 'starts', 'cold starts', 'cold share', 'p95 start', 'placeholder cost', 'unit-hours', 'pool changes'];
  const body = rows.map((r) => [r.policy, String(r.starts), String(r.coldStarts), `${(r.coldShare * 100).toFixed(2)}%`, `${r.p95StartSeconds.toFixed(1)} s`, `$${r.placeholderCost.toFixed(2)}`, r.placeholderUnitHours.toFixed(0), String(r.scaleChanges)]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
