// The headroom autoscaler, decided. Sandboxes start warm when a node already has room for
// them, so the autoscaler keeps low-priority placeholder pods (the cluster autoscaler's
// over-provisioning pattern) in each region and node pool: a starting workspace preempts a
// placeholder at once, and the evicted placeholder, now unschedulable, makes the cluster
// autoscaler add the next node before the next start needs it.
//
// How much headroom: for every tenant, the busiest `leadTime` window of workspace starts
// over the last `lookback` (the starts that may arrive while a node is provisioned), in
// units of the base sandbox size. A tenant's forecast is then cut to what its quota still
// admits, so no capacity is bought for starts that admission would refuse. Taking the peak
// of a trailing hour also stabilises scale-down: headroom falls only when a busy window
// leaves the lookback, never on one quiet minute.
import { METER_RESOURCES, admissionViolations, type Amounts, type Quota } from '../../tenancy/quotas.ts';
import { addSize, startRequest } from '../../admission/usage.ts';
import type { Decision } from '../runtime/types.ts';
import type { HourlyCounts } from './forecast.ts';
import { boostFor, type WarmPoolKnobs } from './knobs.ts';
import type { HeadroomSettings, PoolName } from './settings.ts';
import { costCap, stabilizedPool, type PoolPrediction } from './predictive.ts';

export { BASE_UNIT_COST_PER_HOUR, DEFAULT_HEADROOM, type HeadroomSettings, type PoolName } from './settings.ts';

export interface Start {
  at: Date;
  region: string;
  pool: PoolName;
  resourceFactor: number;
}

export interface TenantDemand {
  tenantId: string;
  /** workspace creations and resumes within the lookback */
  starts: Start[];
  quota: Quota;
  used: Amounts;
}

export interface PoolState {
  region: string;
  pool: PoolName;
  /** the placeholder Deployment's replicas, or null when it does not exist */
  replicas: number | null;
}

export interface AutoscalerObservation {
  now: Date;
  settings: HeadroomSettings;
  tenants: TenantDemand[];
  pools: PoolState[];
  /** predictive: base-unit starts per hour by `region/pool`, with the first hour that has data */
  history?: Map<string, { counts: HourlyCounts; earliestHour: number }>;
  /** operator and automation knobs (ceiling, boosts) */
  knobs?: WarmPoolKnobs;
  /** the placeholders' namespace and PriorityClass exist */
  namespaceReady: boolean;
  priorityClassReady: boolean;
}

export type AutoscalerAction =
  | { kind: 'namespace' }
  | { kind: 'priority-class' }
  | { kind: 'scale'; region: string; pool: PoolName; from: number | null; to: number };

export interface TenantPlan {
  tenantId: string;
  /** base-size units of the busiest window, by `region/pool` */
  forecast: Record<string, number>;
  /** what the quota admits of it */
  planned: Record<string, number>;
  /** why the plan is below the forecast, when it is */
  cappedBy?: string;
}

const poolKey = (region: string, pool: string) => `${region}/${pool}`;

/**
 * The starts of the busiest `leadTime` window in the lookback, per region and pool. Windows
 * are aligned to `now`, so the same history always gives the same answer.
 */
export function peakWindows(starts: readonly Start[], now: Date, s: HeadroomSettings): Map<string, Start[]> {
  const lead = s.leadTimeMinutes * 60_000;
  const since = now.getTime() - s.lookbackMinutes * 60_000;
  const windows = new Map<string, Map<number, Start[]>>();
  for (const st of starts) {
    const t = st.at.getTime();
    if (t < since || t > now.getTime()) continue;
    const k = poolKey(st.region, st.pool);
    const w = Math.floor((now.getTime() - t) / lead);
    const byWindow = windows.get(k) ?? new Map<number, Start[]>();
    const list = byWindow.get(w) ?? [];
    list.push(st);
    byWindow.set(w, list);
    windows.set(k, byWindow);
  }
  const out = new Map<string, Start[]>();
  for (const [k, byWindow] of windows) {
    let best: Start[] = [];
    let bestUnits = 0;
    // Ties go to the most recent window (the smallest index).
    for (const w of [...byWindow.keys()].sort((a, b) => a - b)) {
      const list = byWindow.get(w)!;
      const units = list.reduce((n, x) => n + x.resourceFactor, 0);
      if (units > bestUnits) { best = list; bestUnits = units; }
    }
    out.set(k, best);
  }
  return out;
}

/**
 * Which of a tenant's forecast starts its quota admits: the smallest first, each while
 * `used + planned + start ≤ hard` holds for running workspaces, CPU and memory, as
 * admission checks it. A tenant already past a hard meter limit (tokens, cost, API calls)
 * is refused every start, so it plans none.
 */
export function admittedStarts(starts: readonly Start[], quota: Quota, used: Amounts): { admitted: Start[]; cappedBy?: string } {
  for (const m of METER_RESOURCES) {
    const hard = quota.hard[m];
    if (hard !== undefined && (used[m] ?? 0) > hard) return { admitted: [], cappedBy: `${m} past its hard limit` };
  }
  const admitted: Start[] = [];
  let cappedBy: string | undefined;
  let held = used;
  const ordered = [...starts].sort((a, b) => a.resourceFactor - b.resourceFactor || a.at.getTime() - b.at.getTime());
  for (const st of ordered) {
    // The check admission makes, on what the starts admitted so far would hold.
    const refused = admissionViolations(quota, held, startRequest(st.resourceFactor, false));
    if (refused.length) { cappedBy ??= `quota ${refused[0]!.resource}`; continue; }
    held = addSize(held, st.resourceFactor, 1, false);
    admitted.push(st);
  }
  return { admitted, cappedBy };
}

export function planTenant(t: TenantDemand, now: Date, s: HeadroomSettings): TenantPlan {
  const peaks = peakWindows(t.starts, now, s);
  const forecast: Record<string, number> = {};
  const all: Start[] = [];
  for (const [k, list] of peaks) {
    forecast[k] = list.reduce((n, x) => n + x.resourceFactor, 0);
    all.push(...list);
  }
  const { admitted, cappedBy } = admittedStarts(all, t.quota, t.used);
  const planned: Record<string, number> = {};
  for (const st of admitted) {
    const k = poolKey(st.region, st.pool);
    planned[k] = (planned[k] ?? 0) + st.resourceFactor;
  }
  return { tenantId: t.tenantId, forecast, planned, ...(cappedBy ? { cappedBy } : {}) };
}

export function decideAutoscaler(o: AutoscalerObservation): Decision<AutoscalerAction>[] {
  // The operator's knobs override the controller's configured policy and level.
  const settings = { ...o.settings, policy: o.knobs?.policy ?? o.settings.policy, emptyProbability: o.knobs?.emptyProbability ?? o.settings.emptyProbability };
  const seen = { ...o, settings };
  return settings.policy === 'predictive' ? decidePredictive(seen) : decideReactivePeak(seen);
}

function objectDecisions(o: AutoscalerObservation, scales: Decision<AutoscalerAction>[]): Decision<AutoscalerAction>[] {
  const out: Decision<AutoscalerAction>[] = [];
  const needsObjects = scales.some((d) => d.action.kind === 'scale' && d.action.to > 0);
  if (needsObjects && !o.namespaceReady) {
    out.push({ target: { kind: 'Namespace', name: HEADROOM_NAMESPACE }, decision: `create namespace ${HEADROOM_NAMESPACE}`, reason: 'headroom placeholders live there', inputs: {}, action: { kind: 'namespace' } });
  }
  if (needsObjects && !o.priorityClassReady) {
    out.push({
      target: { kind: 'PriorityClass', name: HEADROOM_PRIORITY_CLASS }, decision: `create PriorityClass ${HEADROOM_PRIORITY_CLASS}`,
      reason: `placeholders run at priority ${HEADROOM_PRIORITY} so that any workspace preempts them`, inputs: {}, action: { kind: 'priority-class' },
    });
  }
  return [...out, ...scales];
}

/**
 * The predictive policy: per region and pool, the forecast rate of starts over the lead
 * time sizes the pool by a Poisson quantile; boosts add to it, the ceilings cut it, and a
 * scale-down waits until every size wanted over the stabilisation window was lower.
 */
export function decidePredictive(o: AutoscalerObservation): Decision<AutoscalerAction>[] {
  const s = o.settings;
  const knobs = o.knobs ?? {};
  const maxPerPool = Math.min(s.maxPerPool, knobs.maxPerPool ?? Infinity);
  const keys = new Set<string>([...(o.history?.keys() ?? []), ...o.pools.map((p) => poolKey(p.region, p.pool))]);
  for (const t of o.tenants) for (const st of t.starts) keys.add(poolKey(st.region, st.pool));
  const now = o.now.getTime();
  const predictions = new Map<string, PoolPrediction>();
  for (const k of [...keys].sort()) {
    const h = o.history?.get(k) ?? { counts: new Map(), earliestHour: Math.floor(now / 3_600_000) };
    const [region, pool] = k.split('/') as [string, PoolName];
    const boost = boostFor(knobs, region, pool, now);
    predictions.set(k, stabilizedPool(h.counts, h.earliestHour, now, s, { min: s.minPerPool, max: maxPerPool, boost }));
  }
  const ceiling = knobs.costCeilingPerHour ?? s.costCeilingPerHour;
  const capped = costCap(predictions, s.unitCostPerHour, ceiling);
  const current = new Map(o.pools.map((p) => [poolKey(p.region, p.pool), p.replicas]));
  const scales: Decision<AutoscalerAction>[] = [];
  for (const [k, p] of predictions) {
    const [region, pool] = k.split('/') as [string, PoolName];
    const want = capped.get(k) ?? p.replicas;
    const have = current.get(k) ?? null;
    if (have === want || (have === null && want === 0)) continue;
    const f = p.forecast;
    const why = [
      `forecast ${f.rate.toFixed(2)} base-unit starts/h for ${k} (${f.method === 'seasonal×trend' ? `hour-of-week baseline ${f.seasonal!.toFixed(2)} × trend ${f.trend.toFixed(2)}` : 'recent mean, under a week of history'})`,
      `${p.mu.toFixed(2)} expected within the ${s.leadTimeMinutes}-min lead time: ${p.raw} keep P(start finds the pool empty) at ${(p.emptyProbability * 100).toFixed(2)}% < ${(s.emptyProbability * 100).toFixed(2)}%`,
      ...(p.boost ? [`raised by ${p.boost} (${p.boostReason ?? 'boost'})`] : []),
      ...(p.stabilizedFrom !== null ? [`scale-down held at ${p.replicas} by the ${s.stabilizationMinutes}-min stabilisation window (wanted ${p.stabilizedFrom} now)`] : []),
      ...(p.clamped ? [`held within ${s.minPerPool}..${maxPerPool} per pool`] : []),
      ...(want < p.replicas ? [`cut to ${want} by the cost ceiling of ${ceiling}/h`] : []),
    ].join('; ');
    scales.push({
      target: { kind: 'Deployment', name: `${HEADROOM_NAMESPACE}/${headroomName(region, pool)}` },
      decision: `headroom ${k} ${have ?? 'none'}→${want}`,
      reason: why,
      inputs: {
        policy: 'predictive', region, pool, replicas: have, desired: want,
        forecast: { ratePerHour: f.rate, seasonal: f.seasonal, trend: f.trend, method: f.method, hour: new Date(p.forecastHour * 3_600_000).toISOString() },
        leadTimeMinutes: s.leadTimeMinutes, expectedInLeadTime: p.mu, poisson: p.raw, emptyProbability: p.emptyProbability,
        stabilizedFrom: p.stabilizedFrom, boost: p.boost, costCeilingPerHour: ceiling, maxPerPool,
      },
      action: { kind: 'scale', region, pool, from: have, to: want },
    });
  }
  return objectDecisions(o, scales);
}

function decideReactivePeak(o: AutoscalerObservation): Decision<AutoscalerAction>[] {
  const s = o.settings;
  const plans = o.tenants.map((t) => planTenant(t, o.now, s)).filter((p) => Object.keys(p.forecast).length > 0);
  const desired = new Map<string, { region: string; pool: PoolName; units: number; tenants: TenantPlan[] }>();
  for (const p of o.pools) desired.set(poolKey(p.region, p.pool), { region: p.region, pool: p.pool, units: 0, tenants: [] });
  for (const plan of plans) {
    for (const k of Object.keys(plan.forecast)) {
      const [region, pool] = k.split('/') as [string, PoolName];
      const d = desired.get(k) ?? { region, pool, units: 0, tenants: [] };
      d.units += plan.planned[k] ?? 0;
      d.tenants.push(plan);
      desired.set(k, d);
    }
  }
  const current = new Map(o.pools.map((p) => [poolKey(p.region, p.pool), p.replicas]));
  const scales: Decision<AutoscalerAction>[] = [];
  const maxPerPool = Math.min(s.maxPerPool, o.knobs?.maxPerPool ?? Infinity);
  for (const [k, d] of [...desired].sort(([a], [b]) => a.localeCompare(b))) {
    const want = Math.min(maxPerPool, Math.max(s.minPerPool, d.units));
    const have = current.get(k) ?? null;
    if (have === want || (have === null && want === 0)) continue;
    const capped = d.tenants.filter((t) => t.cappedBy && (t.planned[k] ?? 0) < t.forecast[k]!);
    const forecast = d.tenants.reduce((n, t) => n + t.forecast[k]!, 0);
    const why = [
      d.tenants.length
        ? `busiest ${s.leadTimeMinutes}-min window of the last ${s.lookbackMinutes} min needs ${forecast} sandbox unit(s) across ${d.tenants.length} tenant(s)`
        : `no workspace starts in the last ${s.lookbackMinutes} min`,
      ...(capped.length ? [`${capped.length} tenant(s) capped to their remaining quota (${[...new Set(capped.map((t) => t.cappedBy))].join(', ')}): ${d.units} planned`] : []),
      ...(want !== d.units ? [`held within ${s.minPerPool}..${maxPerPool} per pool`] : []),
    ].join('; ');
    scales.push({
      target: { kind: 'Deployment', name: `${HEADROOM_NAMESPACE}/${headroomName(d.region, d.pool)}` },
      decision: `headroom ${k} ${have ?? 'none'}→${want}`,
      reason: why,
      inputs: {
        policy: 'reactive', region: d.region, pool: d.pool, replicas: have, desired: want, settings: s,
        tenants: d.tenants.map((t) => ({ tenantId: t.tenantId, forecast: t.forecast[k], planned: t.planned[k] ?? 0, ...(t.cappedBy ? { cappedBy: t.cappedBy } : {}) })),
      },
      action: { kind: 'scale', region: d.region, pool: d.pool, from: have, to: want },
    });
  }
  return objectDecisions(o, scales);
}

export const HEADROOM_NAMESPACE = 'pilothouse-system';
export const HEADROOM_PRIORITY_CLASS = 'pilothouse-headroom';
/** The cluster autoscaler's over-provisioning value: below every workload (0), not below its expendable cut-off (-10), so placeholders still trigger scale-up. */
export const HEADROOM_PRIORITY = -10;

/** A DNS-1123 name per region and pool: `headroom-eu-west-1-spot`. */
export function headroomName(region: string, pool: PoolName): string {
  return `headroom-${region}-${pool}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
}
