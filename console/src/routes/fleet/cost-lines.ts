// Shapes GET /api/v1/fleet/costs for the fleet page: four chart lines per hour (every tenant
// summed, system, idle, over-commit) and a totals table that keeps idle as its own line.
// Plain TypeScript (no Svelte), so the arithmetic is testable outside a browser.

import type { FleetCosts as Costs } from '../../lib/api-shapes.ts';

/** What the arithmetic reads of the API's answer (its CPU and memory split is not needed here). */
export type CostLine = Pick<Costs['totals'][number], 'line' | 'tenantId' | 'total'>;
export type FleetCosts = Pick<Costs, 'from' | 'to' | 'total'> & { hours: (CostLine & Pick<Costs['hours'][number], 'hour' | 'minutes'>)[]; totals: CostLine[] };

export const CHART_LINES = [
  { key: 'tenant', label: 'tenants (sum)', color: '#2563eb' },
  { key: 'system', label: 'system', color: '#64748b' },
  { key: 'idle', label: 'idle (unallocated)', color: '#d97706' },
  { key: 'overcommit', label: 'over-commit', color: '#dc2626' },
] as const;

export interface Chart { times: number[]; lines: { label: string; color: string; values: number[] }[] }

/**
 * One point per hour that has samples: the hour's average rate in USD per hour, its cost × 60 ÷
 * the minutes sampled, so the current hour (or one with missed samples) is not drawn as a dip.
 */
export function chartOf(costs: FleetCosts): Chart {
  const times = [...new Set(costs.hours.map((h) => Date.parse(h.hour) / 1000))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const lines = CHART_LINES.map((l) => ({ label: l.label, color: l.color, values: times.map(() => 0) }));
  for (const h of costs.hours) {
    const line = CHART_LINES.findIndex((l) => l.key === h.line);
    if (line >= 0) lines[line]!.values[index.get(Date.parse(h.hour) / 1000)!]! += (Number(h.total) * 60) / Math.max(1, h.minutes);
  }
  for (const l of lines) l.values = l.values.map((v) => Math.round(v * 1e6) / 1e6);
  return { times, lines };
}

export interface TotalRow { key: string; label: string; total: number; share: number | null; kind: CostLine['line'] | 'others' }

/** The top `top` tenants by cost (named), the rest in one row, then system, idle and over-commit, each with its share of the total. */
export function totalRows(costs: FleetCosts, nameOf: (tenantId: string) => string, top = 5): { rows: TotalRow[]; total: number } {
  const total = Number(costs.total);
  const share = (v: number) => (total > 0 ? v / total : null);
  const tenants = costs.totals.filter((l) => l.line === 'tenant').map((l) => ({ id: l.tenantId ?? '', total: Number(l.total) })).sort((a, b) => b.total - a.total);
  const rows: TotalRow[] = tenants.slice(0, top).map((t) => ({ key: `tenant-${t.id}`, label: nameOf(t.id), total: t.total, share: share(t.total), kind: 'tenant' }));
  const rest = tenants.slice(top);
  if (rest.length) {
    const sum = rest.reduce((s, t) => s + t.total, 0);
    rows.push({ key: 'others', label: `${rest.length} other tenant${rest.length === 1 ? '' : 's'}`, total: sum, share: share(sum), kind: 'others' });
  }
  for (const kind of ['system', 'idle', 'overcommit'] as const) {
    // idle always shows, even at zero: it is the line this page exists to make visible
    const v = costs.totals.filter((l) => l.line === kind).reduce((s, l) => s + Number(l.total), 0);
    if (kind === 'idle' || v !== 0) rows.push({ key: kind, label: CHART_LINES.find((l) => l.key === kind)!.label, total: v, share: share(v), kind });
  }
  return { rows, total };
}
