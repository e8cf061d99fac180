// Cost month-to-date of every tenant, ranked, against the previous month over the same
// elapsed time (the 1st to the 3rd against the 1st to the 3rd), so a trend early in the month
// is not a month-to-date against a whole month. Closed months read their snapshots.
import { Decimal } from 'decimal.js';
import type { Db } from '../../db/pool.ts';
import { listTenants } from '../../tenancy/tenants.ts';
import { countWorkspaces } from '../../tenancy/workspaces.ts';
import { roundMoney } from '../cost/rating.ts';
import { assertStarted, periodBounds, previousPeriod, ratedLines, usageReport } from './report.ts';
import { refreshRollups } from './rollups.ts';

export interface TenantCost {
  tenantId: string;
  name: string;
  /** USD of the month so far (the whole month once it has ended) */
  cost: string;
  /** USD of the previous month over the same elapsed time */
  previousCost: string;
  changePct: number | null;
  /** meters with usage that no price covers: `cost` excludes them */
  unpriced: string[];
  workspaces: { running: number; total: number };
}

export async function tenantCosts(db: Db, period: string, now = new Date()): Promise<{ period: string; through: string; items: TenantCost[] }> {
  assertStarted(period, now);
  const { start, end } = periodBounds(period);
  const through = end < now ? end : now;
  const prevStart = periodBounds(previousPeriod(period)).start;
  const prevUntil = new Date(Math.min(prevStart.getTime() + (through.getTime() - start.getTime()), start.getTime()));
  await refreshRollups(db);
  const items: TenantCost[] = [];
  for (const t of await listTenants(db)) {
    const [current, previous, counts] = await Promise.all([
      end <= now ? usageReport(db, t.id, period).then((r) => ({ lines: r.lines })) : ratedLines(db, t.id, period, through),
      ratedLines(db, t.id, previousPeriod(period), prevUntil),
      countWorkspaces(db, { tenantId: t.id }),
    ]);
    const sum = (lines: { cost: string }[]) => lines.reduce((s, l) => s.add(l.cost), new Decimal(0));
    const cost = sum(current.lines);
    const prev = sum(previous.lines);
    const unpriced = [...new Set(current.lines.filter((l) => l.priced === false && !new Decimal(l.quantity).isZero()).map((l) => l.meter))].sort();
    items.push({
      tenantId: t.id, name: t.name, cost: roundMoney(cost), previousCost: roundMoney(prev),
      changePct: prev.isZero() ? null : cost.sub(prev).div(prev).mul(100).toDecimalPlaces(1).toNumber(),
      unpriced,
      workspaces: { running: counts.running, total: Object.entries(counts).filter(([s]) => s !== 'archived').reduce((a, [, n]) => a + n, 0) },
    });
  }
  items.sort((a, b) => new Decimal(b.cost).cmp(a.cost) || a.name.localeCompare(b.name));
  return { period, through: through.toISOString(), items };
}
