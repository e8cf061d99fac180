// Request rollups in PostgreSQL: added to (never overwritten) as spans arrive, and read by
// the SLO engine and the console. Rows outlive span retention.
import type { Queryable } from '../../db/pool.ts';
import { binOrigin } from '../bins.ts';
import { BUCKET_COUNT } from './buckets.ts';
import type { RequestRollup } from './rollup.ts';

/** Adds rollups to the stored ones, in the caller's transaction (the one storing the spans). */
export async function addRollups(db: Queryable, rollups: RequestRollup[]): Promise<void> {
  if (rollups.length === 0) return;
  // One row per key in a statement: ON CONFLICT cannot touch the same row twice.
  await db.query(
    `INSERT INTO request_rollups AS r (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets, max_duration_ns)
     SELECT t, s, ro, m, n, e, d, b::bigint[], mx
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[]) AS x(t, s, ro, m, n, e, d, b, mx)
     ON CONFLICT (tenant_id, service, route, minute) DO UPDATE SET
       requests = r.requests + excluded.requests,
       errors = r.errors + excluded.errors,
       duration_sum_ns = r.duration_sum_ns + excluded.duration_sum_ns,
       buckets = ph_add_counts(r.buckets, excluded.buckets),
       max_duration_ns = GREATEST(r.max_duration_ns, excluded.max_duration_ns)`,
    [
      rollups.map((r) => r.tenantId),
      rollups.map((r) => r.service),
      rollups.map((r) => r.route),
      rollups.map((r) => r.minute),
      rollups.map((r) => r.requests),
      rollups.map((r) => r.errors),
      rollups.map((r) => r.durationSumNs.toString()),
      rollups.map((r) => `{${r.buckets.join(',')}}`),
      rollups.map((r) => r.maxDurationNs.toString()),
    ],
  );
}

/** Every tenant and the platform together (platform-wide views only). */
export const ALL_TENANTS = Symbol('all tenants');

export interface RollupFilter {
  /** a tenant id, null for the platform's own services, or ALL_TENANTS */
  tenantId: string | null | typeof ALL_TENANTS;
  service?: string;
  /** "METHOD route", as stored */
  route?: string;
  /** inclusive start and exclusive end, on minute boundaries */
  from: Date;
  to: Date;
}

export interface RequestTotals {
  requests: number;
  errors: number;
  durationSumNs: number;
  /** the slowest request seen, in ms; null when only rollups older than the column hold the requests */
  maxMs: number | null;
  /** non-cumulative counts per LATENCY_BUCKETS_MS bucket, +Inf last */
  buckets: number[];
}

function where(f: RollupFilter, params: unknown[]): string {
  const all = f.tenantId === ALL_TENANTS;
  params.push(all ? null : f.tenantId, f.from, f.to);
  const parts = [all ? '$1::uuid IS NULL' : 'tenant_id IS NOT DISTINCT FROM $1::uuid', 'minute >= $2', 'minute < $3'];
  if (f.service !== undefined) parts.push(`service = $${params.push(f.service)}`);
  if (f.route !== undefined) parts.push(`route = $${params.push(f.route)}`);
  return parts.join(' AND ');
}

/** Request, error and latency bucket totals over a window: what SLIs are computed from. */
export async function requestTotals(db: Queryable, f: RollupFilter): Promise<RequestTotals> {
  const params: unknown[] = [];
  const { rows } = await db.query(
    `WITH sel AS (SELECT requests, errors, duration_sum_ns, max_duration_ns, buckets FROM request_rollups WHERE ${where(f, params)})
     SELECT (SELECT coalesce(sum(requests), 0) FROM sel)::float8 AS requests,
            (SELECT CASE WHEN bool_and(max_duration_ns IS NOT NULL) THEN max(max_duration_ns) / 1e6 END FROM sel)::float8 AS max_ms,
            (SELECT coalesce(sum(errors), 0) FROM sel)::float8 AS errors,
            (SELECT coalesce(sum(duration_sum_ns), 0) FROM sel)::float8 AS duration_sum_ns,
            ARRAY(SELECT sum(b)::float8 FROM sel, unnest(sel.buckets) WITH ORDINALITY AS u(b, i) GROUP BY i ORDER BY i) AS buckets`,
    params,
  );
  const row = rows[0];
  return {
    requests: row.requests,
    errors: row.errors,
    durationSumNs: row.duration_sum_ns,
    maxMs: row.max_ms,
    buckets: row.buckets.length ? row.buckets : new Array<number>(BUCKET_COUNT).fill(0),
  };
}

export interface SeriesPoint extends RequestTotals {
  /** start of the step, ISO */
  t: string;
}

/**
 * Totals per step (a whole number of minutes) over a window, for charts. Empty steps are
 * left out. Steps that divide a day start on the clock (binOrigin), not at the window's start.
 */
export async function requestSeries(db: Queryable, f: RollupFilter & { stepMinutes: number }): Promise<SeriesPoint[]> {
  const params: unknown[] = [];
  const w = where(f, params);
  const step = params.push(`${f.stepMinutes} minutes`);
  const origin = params.push(binOrigin(f.stepMinutes, f.from));
  const { rows } = await db.query(
    `WITH sel AS (SELECT date_bin($${step}::interval, minute, $${origin}::timestamptz) AS t, requests, errors, duration_sum_ns, max_duration_ns, buckets
                    FROM request_rollups WHERE ${w}),
          totals AS (SELECT t, sum(requests)::float8 AS requests, sum(errors)::float8 AS errors, sum(duration_sum_ns)::float8 AS duration_sum_ns,
                            (CASE WHEN bool_and(max_duration_ns IS NOT NULL) THEN max(max_duration_ns) / 1e6 END)::float8 AS max_ms
                       FROM sel GROUP BY t),
          hist AS (SELECT t, array_agg(n ORDER BY i) AS buckets
                     FROM (SELECT t, i, sum(b)::float8 AS n FROM sel, unnest(sel.buckets) WITH ORDINALITY AS u(b, i) GROUP BY t, i) x GROUP BY t)
     SELECT totals.*, hist.buckets FROM totals JOIN hist USING (t) ORDER BY t`,
    params,
  );
  return rows.map((r) => ({ t: r.t.toISOString(), requests: r.requests, errors: r.errors, durationSumNs: r.duration_sum_ns, maxMs: r.max_ms, buckets: r.buckets }));
}

/** The services and routes that have rollups in a window, busiest first. */
export async function listRoutes(db: Queryable, f: RollupFilter): Promise<{ service: string; route: string; requests: number; errors: number }[]> {
  const params: unknown[] = [];
  const { rows } = await db.query(
    `SELECT service, route, sum(requests)::float8 AS requests, sum(errors)::float8 AS errors
       FROM request_rollups WHERE ${where(f, params)} GROUP BY service, route ORDER BY 3 DESC, 1, 2 LIMIT 500`,
    params,
  );
  return rows;
}
