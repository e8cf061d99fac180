// Faro batches into rum_events, once per Idempotency-Key (the SDK repeats it on retries),
// and the reads behind the frontend page: vitals percentiles per page over time, recent
// exceptions.
import type { Db, Queryable } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { binOrigin } from '../bins.ts';
import { dayOf, ensurePartitions } from '../partitions.ts';
import type { RumEventRow } from './events.ts';

/** Stores a batch; 'duplicate' when this key was stored before (nothing is written twice). */
export async function storeRumBatch(db: Db, appId: string, idempotencyKey: string | undefined, rows: RumEventRow[]): Promise<'stored' | 'duplicate'> {
  await ensurePartitions(db, 'rum_events', rows.map((r) => dayOf(r.at)));
  return withTransaction(db, async (c) => {
    if (idempotencyKey) {
      const fresh = await c.query(`INSERT INTO rum_batches (app_id, idempotency_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [appId, idempotencyKey]);
      if (fresh.rowCount === 0) return 'duplicate';
    }
    if (rows.length) {
      await c.query(
        `INSERT INTO rum_events (tenant_id, app_id, at, kind, name, value, message, page, page_url, session_id, trace_id, span_id, details, meta)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::text[],
                              $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::jsonb[])`,
        [
          rows.map((r) => r.tenantId), rows.map((r) => r.appId), rows.map((r) => r.at), rows.map((r) => r.kind), rows.map((r) => r.name),
          rows.map((r) => r.value), rows.map((r) => r.message), rows.map((r) => r.page), rows.map((r) => r.pageUrl), rows.map((r) => r.sessionId),
          rows.map((r) => r.traceId), rows.map((r) => r.spanId), rows.map((r) => JSON.stringify(r.details)), rows.map((r) => JSON.stringify(r.meta)),
        ],
      );
    }
    return 'stored';
  });
}

export interface VitalPoint {
  page: string;
  vital: string;
  /** start of the step */
  t: string;
  count: number;
  p50: number;
  p75: number;
  p95: number;
}

/** Percentiles of each web vital per page and time step (p75 is what Core Web Vitals judge). */
export async function vitalPercentiles(db: Queryable, q: { appId: string; from: Date; to: Date; stepMinutes: number; page?: string }): Promise<VitalPoint[]> {
  const params: unknown[] = [q.appId, q.from, q.to, `${q.stepMinutes} minutes`, binOrigin(q.stepMinutes, q.from)];
  const page = q.page !== undefined ? `AND page = $${params.push(q.page)}` : '';
  const { rows } = await db.query(
    `SELECT coalesce(page, '(unknown)') AS page, name AS vital, date_bin($4::interval, at, $5::timestamptz) AS t, count(*)::int AS count,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50,
            percentile_cont(0.75) WITHIN GROUP (ORDER BY value) AS p75,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95
       FROM rum_events WHERE app_id = $1 AND kind = 'vital' AND at >= $2 AND at < $3 ${page}
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    params,
  );
  return rows.map((r) => ({ ...r, t: r.t.toISOString() }));
}

export interface ExceptionRow {
  at: string;
  type: string;
  message: string | null;
  page: string | null;
  sessionId: string | null;
  traceId: string | null;
  stacktrace: unknown;
}

export async function recentExceptions(db: Queryable, q: { appId: string; from: Date; to: Date; limit: number }): Promise<ExceptionRow[]> {
  const { rows } = await db.query(
    `SELECT at, name, message, page, session_id, trace_id, details->'stacktrace' AS stacktrace
       FROM rum_events WHERE app_id = $1 AND kind = 'exception' AND at >= $2 AND at < $3
      ORDER BY at DESC LIMIT $4`,
    [q.appId, q.from, q.to, q.limit],
  );
  return rows.map((r) => ({ at: r.at.toISOString(), type: r.name, message: r.message, page: r.page, sessionId: r.session_id, traceId: r.trace_id, stacktrace: r.stacktrace }));
}
