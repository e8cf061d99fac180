// The cost guard controller: reads today's fleet cost and its current rate (from the cost
// collector, through the source the composition root hands in), the policy and the measures
// in force, and sets or clears the tunings the spot converter, the idle reaper and the
// headroom autoscaler read (controller_tunings). Every change is a recorded decision.
import type { Controller } from '../runtime/types.ts';
import { currentCapacityPolicy } from '../capacity/policy.ts';
import { readTunings, setTuning } from '../runtime/tunings.ts';
import { DEFAULT_IDLE_MINUTES } from '../reaper/decide.ts';
import { decideCostGuard, DEFAULT_COST_GUARD, MEASURES, type CostGuardAction, type CostGuardObserved, type CostGuardSettings } from './decide.ts';

export const COST_GUARD = 'cost-guard';

export type FleetCostSource = (now: Date) => Promise<{ soFarUsd: number; ratePerHourUsd: number } | null>;

export interface CostGuardOptions {
  schedule?: string;
  cost?: FleetCostSource;
  settings?: Partial<CostGuardSettings>;
  clock?: () => number;
}

export function createCostGuardController(o: CostGuardOptions = {}): Controller<CostGuardObserved, CostGuardAction> {
  const clock = o.clock ?? Date.now;
  const settings = { ...DEFAULT_COST_GUARD, ...o.settings };
  return {
    name: COST_GUARD,
    description: `forecasts the fleet's cost for the day (so far + current rate × hours left); over the policy's daily limit it raises the spot target, shortens the idle pause and shrinks the warm pool, one bounded step per ${Math.round(settings.cooldownMs / 60_000)} min, and undoes them when the forecast falls back`,
    schedule: o.schedule ?? '*/30 * * * * *',
    async observe(ctx) {
      const now = clock();
      const [{ policy }, tunings, cost] = await Promise.all([currentCapacityPolicy(ctx.db), readTunings(ctx.db), o.cost ? o.cost(new Date(now)) : Promise.resolve(null)]);
      const mine = [...tunings.values()].filter((t) => t.setBy === COST_GUARD && (MEASURES as readonly string[]).includes(t.name));
      // The last step's time as the guard's own clock saw it (recorded in its result).
      const { rows } = await ctx.db.query(
        `SELECT (result->>'at')::bigint AS at FROM controller_actions WHERE controller = $1 AND status = 'applied' ORDER BY id DESC LIMIT 1`, [COST_GUARD],
      );
      return {
        now, policy, cost,
        tunings: Object.fromEntries(mine.map((t) => [t.name, t.value])),
        lastStepAt: rows[0]?.at == null ? null : Number(rows[0].at),
        baseIdleMinutes: DEFAULT_IDLE_MINUTES,
      };
    },
    decide: (observed) => decideCostGuard(observed, settings),
    async apply(a, ctx) {
      await ctx.fenced((c) => setTuning(c, a.name, a.to, COST_GUARD, `${a.direction}: ${a.from ?? 'default'} → ${a.to ?? 'default'} at ${new Date(clock()).toISOString()}`));
      return { name: a.name, value: a.to, at: clock() };
    },
  };
}

