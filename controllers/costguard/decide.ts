// The daily cost guard (the roadmap's ResourceOptimizer), decided. Pure.
//
// forecast = cost so far today (UTC) + the current rate × the hours left in the day.
// Over the limit, it takes the next step of the measures the policy allows, in order:
//   1. raise every workload's spot target (up to its maxSpotShare),
//   2. shorten the idle time before a workspace is paused (down to idlePause.minMinutes),
//   3. shrink the warm pool (down to warmPool.minFactor of what the autoscaler plans),
// one step per cooldown, so the effect of a step shows in the rate before the next. Under
// the limit by the policy's margin, it undoes them in reverse order, one step per cooldown.
import type { Decision } from '../runtime/types.ts';
import type { CapacityPolicyT } from '../capacity/policy.ts';
import { IDLE_PAUSE_CAP_MINUTES, SPOT_SHARE_BOOST, WARM_POOL_FACTOR } from '../runtime/tunings.ts';

export interface CostGuardObserved {
  now: number;
  policy: CapacityPolicyT;
  /** null when the fleet's cost is not collected (no cluster, no samples yet) */
  cost: { soFarUsd: number; ratePerHourUsd: number } | null;
  /** current values of the three measures (absent: not applied) */
  tunings: Partial<Record<typeof SPOT_SHARE_BOOST | typeof IDLE_PAUSE_CAP_MINUTES | typeof WARM_POOL_FACTOR, number>>;
  /** when the guard last changed a measure */
  lastStepAt: number | null;
  /** the idle timeout the reaper uses when no tenant sets one */
  baseIdleMinutes: number;
}

export interface CostGuardSettings { cooldownMs: number }
export const DEFAULT_COST_GUARD: CostGuardSettings = { cooldownMs: 5 * 60_000 };

export type Measure = typeof SPOT_SHARE_BOOST | typeof IDLE_PAUSE_CAP_MINUTES | typeof WARM_POOL_FACTOR;
/** the order measures are taken in; undone in reverse */
export const MEASURES: readonly Measure[] = [SPOT_SHARE_BOOST, IDLE_PAUSE_CAP_MINUTES, WARM_POOL_FACTOR];

export interface CostGuardAction { type: 'tune'; name: Measure; from: number | null; to: number | null; direction: 'apply' | 'undo' }

const DAY_MS = 86_400_000;

export function forecast(now: number, cost: { soFarUsd: number; ratePerHourUsd: number }): number {
  const hoursLeft = (DAY_MS - (now % DAY_MS)) / 3_600_000;
  return cost.soFarUsd + cost.ratePerHourUsd * hoursLeft;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

interface Step { name: Measure; from: number | null; to: number | null }

/** The next tightening step of each measure (null when at its bound or disabled). */
function tighten(o: CostGuardObserved, name: Measure): Step | null {
  const g = o.policy.costGuard;
  const cur = o.tunings[name];
  if (name === SPOT_SHARE_BOOST) {
    const room = Math.max(0, ...o.policy.spot.workloads.map((w) => w.maxSpotShare - w.targetSpotShare));
    const from = cur ?? 0;
    const to = round(Math.min(from + g.spotShareStep, room));
    return g.spotShareStep > 0 && to > from ? { name, from: cur ?? null, to } : null;
  }
  if (name === IDLE_PAUSE_CAP_MINUTES) {
    const from = cur ?? o.baseIdleMinutes;
    const to = Math.max(g.idlePause.minMinutes, from - g.idlePause.stepMinutes);
    return g.idlePause.stepMinutes > 0 && to < from ? { name, from: cur ?? null, to } : null;
  }
  const from = cur ?? 1;
  const to = round(Math.max(g.warmPool.minFactor, from - g.warmPool.step));
  return g.warmPool.step > 0 && to < from ? { name, from: cur ?? null, to } : null;
}

/** One step back toward the default; null (cleared) once it is reached. */
function loosen(o: CostGuardObserved, name: Measure): Step | null {
  const g = o.policy.costGuard;
  const cur = o.tunings[name];
  if (cur === undefined) return null;
  if (name === SPOT_SHARE_BOOST) {
    const to = round(cur - g.spotShareStep);
    return { name, from: cur, to: g.spotShareStep > 0 && to > 1e-9 ? to : null };
  }
  if (name === IDLE_PAUSE_CAP_MINUTES) {
    const to = cur + g.idlePause.stepMinutes;
    return { name, from: cur, to: g.idlePause.stepMinutes > 0 && to < o.baseIdleMinutes ? to : null };
  }
  const to = round(cur + g.warmPool.step);
  return { name, from: cur, to: g.warmPool.step > 0 && to < 1 - 1e-9 ? to : null };
}

export function decideCostGuard(o: CostGuardObserved, s: CostGuardSettings = DEFAULT_COST_GUARD): Decision<CostGuardAction>[] {
  if (!o.cost) return [];
  if (o.lastStepAt !== null && o.now - o.lastStepAt < s.cooldownMs) return [];
  const limit = o.policy.costGuard.dailyLimitUsd;
  const f = forecast(o.now, o.cost);
  const inputs = { forecastUsd: round(f), limitUsd: limit, soFarUsd: round(o.cost.soFarUsd), ratePerHourUsd: round(o.cost.ratePerHourUsd), tunings: o.tunings };
  const make = (step: Step, direction: 'apply' | 'undo', reason: string): Decision<CostGuardAction> => ({
    target: { kind: 'Tuning', name: step.name },
    action: { type: 'tune', ...step, direction },
    decision: `${direction === 'apply' ? 'set' : 'undo'} ${step.name} ${step.from ?? 'default'} → ${step.to ?? 'default'}`,
    reason,
    inputs,
  });
  if (f > limit) {
    for (const m of MEASURES) {
      const step = tighten(o, m);
      if (step) return [make(step, 'apply', `today's forecast ${f.toFixed(2)} USD passes the daily limit ${limit.toFixed(2)} USD`)];
    }
    return [];
  }
  if (f < limit * (1 - o.policy.costGuard.undoBelow)) {
    for (const m of [...MEASURES].reverse()) {
      const step = loosen(o, m);
      if (step) return [make(step, 'undo', `today's forecast ${f.toFixed(2)} USD is back under the daily limit ${limit.toFixed(2)} USD (less ${Math.round(o.policy.costGuard.undoBelow * 100)} %)`)];
    }
  }
  return [];
}
