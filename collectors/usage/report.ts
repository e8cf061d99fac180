// The tenant usage report for a billing month (UTC): usage and cost per meter, model and
// workspace, with the change against the previous month. A closed month is read from its
// immutable snapshot; an open one is rated from the rollups with the catalogue in force.
import { Decimal } from 'decimal.js';
import { Type, type Static } from 'typebox';
import { stringify } from 'csv-stringify/sync';
import type { Db, Queryable } from '../../db/pool.ts';
import { InvalidError } from '../../tenancy/errors.ts';
import { rateUsage, roundMoney, type UsageLine } from '../cost/rating.ts';
import { listCatalogs } from '../cost/catalog-store.ts';
import { meterMap } from './meters.ts';
import { refreshRollups } from './rollups.ts';
import { workspaceNames } from '../../tenancy/workspaces.ts';

// The report's shape, once: the API's response schema and OpenAPI document, and (generated
// from that) the console's types.
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Money = Type.String({ description: 'USD, decimal' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ChangeFields = { cost: Money, previousCost: Money, changePct: Nullable(Type.Number({ description: 'percent change of cost; null when the previous cost was zero' })) };

export const ReportLine = Type.Object({
  meter: Type.String(), unit: Type.String(), workspaceId: Nullable(Uuid),
  dimensions: Type.Record(Type.String(), Type.Unknown()), quantity: Type.String(), cost: Money,
  priced: Type.Optional(Type.Boolean({ description: 'false when no price covered this usage (absent in snapshots taken before)' })),
});
export type ReportLine = Static<typeof ReportLine>;

/** Usage no price in the catalogue covers: its cost is not in any total. */
export const UnpricedUsage = Type.Object({ meter: Type.String(), unit: Type.String(), model: Nullable(Type.String()), quantity: Type.String() });
export type UnpricedUsage = Static<typeof UnpricedUsage>;

export const Change = Type.Object({ quantity: Type.String(), previousQuantity: Type.String(), ...ChangeFields });
export type Change = Static<typeof Change>;

export const UsageReport = Type.Object({
  tenantId: Uuid,
  period: Type.String(),
  start: DateTime,
  end: DateTime,
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  closedAt: Nullable(DateTime),
  currency: Type.Literal('USD'),
  catalogVersions: Type.Array(Type.String()),
  total: Type.Object(ChangeFields),
  meters: Type.Array(Type.Object({ meter: Type.String(), unit: Type.String(), ...Change.properties })),
  models: Type.Array(Type.Object({ model: Type.String(), tokens: Type.String(), cost: Money })),
  workspaces: Type.Array(Type.Object({ workspaceId: Nullable(Uuid), name: Nullable(Type.String()), cost: Money })),
  unpriced: Type.Array(Type.String(), { description: 'meters with usage but no price in the catalogue (a price of zero is a price)' }),
  unpricedUsage: Type.Array(UnpricedUsage, { description: 'the quantities no price covers: every cost and total excludes them' }),
  lines: Type.Array(ReportLine),
});
export type UsageReport = Static<typeof UsageReport>;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function periodBounds(period: string): { start: Date; end: Date } {
  const m = PERIOD.exec(period);
  if (!m) throw new InvalidError(`period "${period}" is not a month: use YYYY-MM, such as 2026-11`);
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return { start: new Date(Date.UTC(y, mo, 1)), end: new Date(Date.UTC(y, mo + 1, 1)) };
}

export function previousPeriod(period: string): string {
  const { start } = periodBounds(period);
  const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

const pct = (now: Decimal, before: Decimal): number | null =>
  before.isZero() ? null : now.sub(before).div(before).mul(100).toDecimalPlaces(1).toNumber();

/**
 * A month that has begun (UTC), or an InvalidError: a future month has no usage, and showing
 * it as an open month would read as a real one.
 */
export function assertStarted(period: string, now = new Date()): void {
  const { start } = periodBounds(period);
  if (start > now) throw new InvalidError(`period ${period} has not begun: the latest is ${now.toISOString().slice(0, 7)}`);
}

/** Rated lines of one tenant and month, from the rollups (which must be fresh); `until` cuts the month short. */
export async function ratedLines(db: Queryable, tenantId: string, period: string, until?: Date): Promise<{ lines: ReportLine[]; versions: string[] }> {
  const bounds = periodBounds(period);
  const start = bounds.start;
  const end = until && until < bounds.end ? until : bounds.end;
  const meters = await meterMap(db);
  // Additive meters are rated hour by hour (so mid-month price changes apply from their
  // hour); the others by their value over the whole month.
  const { rows } = await db.query(
    `SELECT r.meter, r.workspace_id, r.dimensions,
            CASE WHEN m.aggregation IN ('sum', 'count') THEN r.hour ELSE $2::timestamptz END AS hour,
            CASE m.aggregation WHEN 'sum' THEN sum(r.sum) WHEN 'count' THEN sum(r.events) WHEN 'max' THEN max(r.max)
                 WHEN 'latest' THEN (array_agg(r.latest ORDER BY r.latest_at DESC))[1]
                 ELSE (SELECT count(DISTINCT u) FROM unnest(array_agg(array_to_string(r.uniques, chr(31)))) s, unnest(string_to_array(s, chr(31))) u) END::text AS quantity
       FROM usage_rollups_hourly r JOIN meters m ON m.name = r.meter
      WHERE r.tenant_id = $1 AND r.hour >= $2 AND r.hour < $3
      GROUP BY r.meter, r.workspace_id, r.dimensions, 4, m.aggregation`,
    [tenantId, start, end],
  );
  const usage: UsageLine[] = rows.map((r) => ({ hour: r.hour, meter: r.meter, dimensions: r.dimensions, workspaceId: r.workspace_id, quantity: r.quantity }));
  const catalogs = (await listCatalogs(db)).map((c) => c.document);
  const rated = rateUsage(usage, catalogs);
  // Hours folded into one line per meter, workspace and dimensions.
  const folded = new Map<string, { line: ReportLine; q: Decimal; c: Decimal; priced: boolean }>();
  const versions = new Set<string>();
  for (const r of rated) {
    if (r.version) versions.add(r.version);
    // Unpriced hours get a line of their own: a line is either priced or not.
    const key = JSON.stringify([r.meter, r.workspaceId, Object.entries(r.dimensions).sort(), r.version !== null]);
    const f = folded.get(key) ?? { line: { meter: r.meter, unit: meters.get(r.meter)?.unit ?? '', workspaceId: r.workspaceId, dimensions: r.dimensions, quantity: '0', cost: '0' }, q: new Decimal(0), c: new Decimal(0), priced: r.version !== null };
    f.q = f.q.add(r.quantity);
    f.c = f.c.add(r.cost);
    folded.set(key, f);
  }
  const lines = [...folded.values()].map((f) => ({ ...f.line, quantity: f.q.toString(), cost: f.c.toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toString(), priced: f.priced }));
  lines.sort((a, b) => a.meter.localeCompare(b.meter) || (a.workspaceId ?? '').localeCompare(b.workspaceId ?? '') || JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions)));
  return { lines, versions: [...versions].sort() };
}

async function snapshot(db: Queryable, tenantId: string, period: string): Promise<UsageReport | undefined> {
  const { rows } = await db.query('SELECT report FROM usage_snapshots WHERE tenant_id = $1 AND period = $2', [tenantId, `${period}-01`]);
  return rows[0]?.report;
}

/** Builds the report from live data (ignoring any snapshot): what a month close stores. */
export async function computeReport(db: Queryable, tenantId: string, period: string, closedAt: Date | null = null): Promise<UsageReport> {
  const { start, end } = periodBounds(period);
  const prevPeriod = previousPeriod(period);
  const current = await ratedLines(db, tenantId, period);
  const prevSnap = await snapshot(db, tenantId, prevPeriod);
  const prevLines = prevSnap ? prevSnap.lines : (await ratedLines(db, tenantId, prevPeriod)).lines;

  const sumBy = (lines: ReportLine[], key: (l: ReportLine) => string | null) => {
    const m = new Map<string | null, { q: Decimal; c: Decimal }>();
    for (const l of lines) {
      const k = key(l);
      const v = m.get(k) ?? { q: new Decimal(0), c: new Decimal(0) };
      m.set(k, { q: v.q.add(l.quantity), c: v.c.add(l.cost) });
    }
    return m;
  };
  const meters = await meterMap(db);
  const nowByMeter = sumBy(current.lines, (l) => l.meter);
  const prevByMeter = sumBy(prevLines, (l) => l.meter);
  const meterNames = [...new Set([...nowByMeter.keys(), ...prevByMeter.keys()])].filter((m): m is string => m !== null).sort();
  const zero = { q: new Decimal(0), c: new Decimal(0) };
  const meterRows = meterNames.map((meter) => {
    const n = nowByMeter.get(meter) ?? zero;
    const p = prevByMeter.get(meter) ?? zero;
    return {
      meter, unit: meters.get(meter)?.unit ?? '', quantity: n.q.toString(), cost: roundMoney(n.c), previousQuantity: p.q.toString(),
      previousCost: roundMoney(p.c), changePct: pct(n.c, p.c),
    };
  });
  const total = current.lines.reduce((s, l) => s.add(l.cost), new Decimal(0));
  const prevTotal = prevLines.reduce((s, l) => s.add(l.cost), new Decimal(0));

  const llm = current.lines.filter((l) => l.meter.startsWith('llm.') && l.dimensions.model !== undefined);
  const byModelTokens = sumBy(llm.filter((l) => l.meter === 'llm.tokens'), (l) => String(l.dimensions.model));
  const byModelCost = sumBy(llm, (l) => String(l.dimensions.model));
  const models = [...byModelCost.keys()].filter((m): m is string => m !== null).sort().map((model) => ({
    model, tokens: (byModelTokens.get(model)?.q ?? new Decimal(0)).toString(), cost: roundMoney(byModelCost.get(model)!.c),
  }));

  const byWs = sumBy(current.lines, (l) => l.workspaceId);
  const wsIds = [...byWs.keys()].filter((w): w is string => w !== null);
  const nameOf = await workspaceNames(db, tenantId, wsIds);
  const workspaces = [...byWs].map(([workspaceId, v]) => ({ workspaceId, name: workspaceId ? nameOf.get(workspaceId) ?? null : null, cost: roundMoney(v.c) }))
    .sort((a, b) => new Decimal(b.cost).cmp(a.cost) || (a.workspaceId ?? '').localeCompare(b.workspaceId ?? ''));

  const unpricedLines = current.lines.filter(isUnpriced);
  const unpriced = [...new Set(unpricedLines.map((l) => l.meter))].sort();
  const unpricedBy = new Map<string, UnpricedUsage>();
  for (const l of unpricedLines) {
    const model = l.dimensions.model === undefined ? null : String(l.dimensions.model);
    const key = JSON.stringify([l.meter, model]);
    const u = unpricedBy.get(key) ?? { meter: l.meter, unit: l.unit, model, quantity: '0' };
    u.quantity = new Decimal(u.quantity).add(l.quantity).toString();
    unpricedBy.set(key, u);
  }
  const unpricedUsage = [...unpricedBy.values()].sort((a, b) => a.meter.localeCompare(b.meter) || (a.model ?? '').localeCompare(b.model ?? ''));
  return {
    tenantId, period, start: start.toISOString(), end: end.toISOString(), status: closedAt ? 'closed' : 'open', closedAt: closedAt?.toISOString() ?? null,
    currency: 'USD', catalogVersions: current.versions,
    total: { cost: roundMoney(total), previousCost: roundMoney(prevTotal), changePct: pct(total, prevTotal) },
    meters: meterRows, models, workspaces, unpriced, unpricedUsage, lines: current.lines,
  };
}

/**
 * Usage that no price covered. Lines rated since `priced` exists say so; older snapshot lines
 * fall back to "cost zero for a non-zero quantity" (which also flags a price of zero).
 */
function isUnpriced(l: ReportLine): boolean {
  if (new Decimal(l.quantity).isZero()) return false;
  return l.priced === undefined ? new Decimal(l.cost).isZero() : !l.priced;
}

/** The report of a month: its snapshot when closed, else computed from fresh rollups. */
export async function usageReport(db: Db, tenantId: string, period: string): Promise<UsageReport> {
  assertStarted(period);
  const snap = await snapshot(db, tenantId, period);
  if (snap) return { ...snap, unpricedUsage: snap.unpricedUsage ?? [] };
  await refreshRollups(db, { tenantId });
  return computeReport(db, tenantId, period);
}

/**
 * One row per meter, workspace and dimensions, every row data (no total row: a spreadsheet
 * sums the column itself, and a total inside the data is counted twice by anyone who does).
 * Rows carry the tenant and the workspace's name so that files of several tenants can be
 * put together; `priced` says which rows no catalogue price covered.
 */
export function reportCsv(r: UsageReport, names: { tenant: string; workspaces: ReadonlyMap<string, string> }): string {
  const dims = [...new Set(r.lines.flatMap((l) => Object.keys(l.dimensions)))].sort();
  return stringify([
    ['period', 'tenant_id', 'tenant', 'meter', 'unit', 'workspace_id', 'workspace', ...dims, 'quantity', 'cost_usd', 'priced'],
    ...r.lines.map((l) => [
      r.period, r.tenantId, names.tenant, l.meter, l.unit, l.workspaceId ?? '', l.workspaceId ? names.workspaces.get(l.workspaceId) ?? '' : '',
      ...dims.map((d) => (l.dimensions[d] ?? '') as string), l.quantity, l.cost, isUnpriced(l) ? 'no' : 'yes',
    ]),
  ]);
}

/** The CSV's file name: the tenant (as a slug) and the month, so that files of several tenants never collide. */
export function reportFileName(tenantName: string, period: string): string {
  const slug = tenantName.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'tenant';
  return `usage-${slug}-${period}.csv`;
}
