// Usage over a window: by tenant and meter, bucketed by hour, day or month in a time zone,
// grouped by dimensions. Whole UTC hours come from the hourly rollups (brought up to date
// first, so a caller reads its own writes); the hours the rollups cannot answer come from the
// events themselves: the window's partial first and last hours, and every hour a bucket edge
// cuts (days and hours in zones with a sub-hour offset, such as Asia/Kolkata at +05:30).
import type { Db } from '../../db/pool.ts';
import { InvalidError } from '../../tenancy/errors.ts';
import { meterMap, type Aggregation } from './meters.ts';
import { refreshRollups } from './rollups.ts';

export const STEPS = ['hour', 'day', 'month'] as const;
export type Step = (typeof STEPS)[number];

export interface UsageQuery {
  /** undefined: every tenant (platform callers only) */
  tenantIds?: string[];
  meters?: string[];
  from: Date;
  to: Date;
  step: Step;
  /** dimension names, or "workspace" / "tenant" */
  groupBy?: string[];
  tz?: string;
}

export interface Series {
  meter: string;
  unit: string;
  aggregation: Aggregation;
  group: Record<string, string | null>;
  points: { t: string; value: number }[];
  total: number;
}

const MAX_BUCKETS = 5000;
const HOUR = 3600_000;

export function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new InvalidError(`tz "${tz}" is not a time zone: use an IANA name such as UTC or Europe/Paris`);
  }
}

/** The SQL value of each aggregation, over rollup rows `r`. */
const VALUE: Record<Aggregation, string> = {
  sum: 'sum(r.sum)',
  count: 'sum(r.events)',
  max: 'max(r.max)',
  latest: '(array_agg(r.latest ORDER BY r.latest_at DESC))[1]',
  // rows are multiplied by their distinct values here (see FROM below); only this counts them
  unique_count: 'count(DISTINCT u.v)',
};

export async function queryUsage(db: Db, q: UsageQuery): Promise<{ series: Series[] }> {
  const tz = q.tz ?? 'UTC';
  checkTimeZone(tz);
  if (!(q.from < q.to)) throw new InvalidError('from must be before to');
  const span = q.to.getTime() - q.from.getTime();
  const bucket = q.step === 'hour' ? HOUR : q.step === 'day' ? 24 * HOUR : 28 * 24 * HOUR;
  if (span / bucket > MAX_BUCKETS) throw new InvalidError(`the window holds more than ${MAX_BUCKETS} ${q.step}s: use a larger step or a shorter window`);
  const meters = await meterMap(db);
  const names = q.meters?.length ? q.meters : [...meters.keys()];
  for (const n of names) if (!meters.has(n)) throw new InvalidError(`unknown meter "${n}": known meters are ${[...meters.keys()].join(', ')}`);
  const groupBy = [...new Set(q.groupBy ?? [])];
  for (const g of groupBy) {
    if (g === 'workspace' || g === 'tenant') continue;
    if (!names.some((n) => meters.get(n)!.dimensions.includes(g))) {
      throw new InvalidError(`cannot group by "${g}": ${names.map((n) => `${n} by ${['workspace', ...meters.get(n)!.dimensions].join(', ')}`).join('; ')}`);
    }
  }
  if (q.tenantIds) {
    for (const t of q.tenantIds) await refreshRollups(db, { tenantId: t });
  } else {
    await refreshRollups(db);
  }

  const groupCols = groupBy.map((g, i) => (g === 'workspace' ? `r.workspace_id::text AS g${i}` : g === 'tenant' ? `r.tenant_id::text AS g${i}` : `r.dimensions->>'${g.replace(/'/g, "''")}' AS g${i}`));
  const bucketExpr = `date_trunc($6, r.at AT TIME ZONE $4) AT TIME ZONE $4`;
  // Hours that rollups cannot answer: cut by the window's ends or by a bucket edge in the zone.
  const split = `SELECT h FROM generate_series(date_trunc('hour', $2::timestamptz, 'UTC'), $3::timestamptz, interval '1 hour') h
                  WHERE h < $2 OR h + interval '1 hour' > $3
                     OR date_trunc($6, h AT TIME ZONE $4) <> date_trunc($6, (h + interval '1 hour' - interval '1 microsecond') AT TIME ZONE $4)`;
  // Rollup rows for the whole hours, and each event of the other hours as a row of the same shape.
  const rows = `
      SELECT r.tenant_id, r.hour AS at, r.workspace_id, r.dimensions, r.events, r.sum, r.max, r.latest, r.latest_at, r.uniques
        FROM usage_rollups_hourly r
       WHERE r.meter = $1 AND r.hour >= $2 AND r.hour < $3 AND ($5::uuid[] IS NULL OR r.tenant_id = ANY($5))
         AND r.hour NOT IN (SELECT h FROM split)
      UNION ALL
      SELECT e.tenant_id, e.time, e.subject, e.dimensions, 1::bigint, e.quantity, e.quantity, e.quantity, e.time,
             CASE WHEN $7::text IS NOT NULL THEN ARRAY[e.dimensions->>$7] END
        FROM counted_usage_events e
       WHERE e.meter = $1 AND e.time >= $2 AND e.time < $3 AND ($5::uuid[] IS NULL OR e.tenant_id = ANY($5))
         AND date_trunc('hour', e.time, 'UTC') IN (SELECT h FROM split)`;
  const series: Series[] = [];
  for (const name of names) {
    const m = meters.get(name)!;
    const sel = (withBucket: boolean) => `
      WITH split AS (${split}), r AS (${rows})
      SELECT ${withBucket ? `${bucketExpr} AS t,` : ''} ${[...groupCols, `${VALUE[m.aggregation]}::float8 AS value`].join(', ')}
        FROM r ${m.aggregation === 'unique_count' ? 'LEFT JOIN LATERAL unnest(r.uniques) u(v) ON true' : ''}
       GROUP BY ${[withBucket ? '1' : '', ...groupCols.map((_, i) => `g${i}`)].filter(Boolean).join(', ') || '()'}
      HAVING count(*) > 0
       ${withBucket ? 'ORDER BY 1' : ''}`;
    const params = [name, q.from, q.to, tz, q.tenantIds ?? null, q.step, m.uniqueBy];
    const [points, totals] = await Promise.all([db.query(sel(true), params), db.query(sel(false), params)]);
    const byGroup = new Map<string, Series>();
    const keyOf = (row: Record<string, unknown>) => JSON.stringify(groupBy.map((_, i) => row[`g${i}`] ?? null));
    for (const row of totals.rows) {
      const group = Object.fromEntries(groupBy.map((g, i) => [g, (row[`g${i}`] as string | null) ?? null]));
      byGroup.set(keyOf(row), { meter: name, unit: m.unit, aggregation: m.aggregation, group, points: [], total: row.value ?? 0 });
    }
    for (const row of points.rows) byGroup.get(keyOf(row))?.points.push({ t: (row.t as Date).toISOString(), value: row.value ?? 0 });
    series.push(...byGroup.values());
  }
  return { series };
}
