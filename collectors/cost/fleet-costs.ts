// Reads of the fleet cost samples: hourly lines (a tenant's share, system, idle, over-commit)
// and totals over a window. A tenant's read is filtered in SQL to its own line only.
import { Decimal } from 'decimal.js';
import type { Queryable } from '../../db/pool.ts';

export interface FleetCostLine { line: string; tenantId: string | null; cpu: string; memory: string; total: string }
export interface FleetCosts { hours: ({ hour: string } & FleetCostLine)[]; totals: FleetCostLine[]; total: string }

export async function fleetCosts(db: Queryable, q: { from: Date; to: Date; tenantId?: string }): Promise<FleetCosts> {
  const params: unknown[] = [q.from, q.to];
  if (q.tenantId) params.push(q.tenantId);
  const { rows } = await db.query<{ hour: Date; line: string; tenant_id: string | null; cpu: string; memory: string; total: string }>(
    `SELECT date_trunc('hour', sample_minute) AS hour, line, tenant_id, sum(cpu)::text AS cpu, sum(memory)::text AS memory, sum(total)::text AS total
       FROM fleet_cost_samples
      WHERE sample_minute >= $1 AND sample_minute < $2 ${q.tenantId ? `AND line = 'tenant' AND tenant_id = $3` : ''}
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, params);
  const totals = new Map<string, { line: string; tenantId: string | null; cpu: Decimal; memory: Decimal; total: Decimal }>();
  let total = new Decimal(0);
  for (const r of rows) {
    const key = `${r.line}|${r.tenant_id ?? ''}`;
    const t = totals.get(key) ?? { line: r.line, tenantId: r.tenant_id, cpu: new Decimal(0), memory: new Decimal(0), total: new Decimal(0) };
    totals.set(key, { ...t, cpu: t.cpu.add(r.cpu), memory: t.memory.add(r.memory), total: t.total.add(r.total) });
    total = total.add(r.total);
  }
  return {
    hours: rows.map((r) => ({ hour: r.hour.toISOString(), line: r.line, tenantId: r.tenant_id, cpu: r.cpu, memory: r.memory, total: r.total })),
    totals: [...totals.values()].map((t) => ({ line: t.line, tenantId: t.tenantId, cpu: t.cpu.toString(), memory: t.memory.toString(), total: t.total.toString() })),
    total: total.toString(),
  };
}
