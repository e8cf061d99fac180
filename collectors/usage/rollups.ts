// Hourly rollups per tenant, meter, workspace and the meter's declared dimensions, rebuilt
// from the events for every hour that changed. Ingestion and cancellations mark the hours
// they touch; a mark is dropped only by the run whose snapshot saw it, so a batch that
// commits during a run is picked up by the next one. Because any hour of the trailing
// 35-day acceptance window can receive a late event, marks (not a fixed look-back) decide
// which hours are recomputed, and each late event lands in its own hour.
import type { Db } from '../../db/pool.ts';

const LOCK = 0x75736167; // 'usag': one rollup run at a time across replicas

export interface RollupRun {
  hours: number;
  rows: number;
}

export async function refreshRollups(db: Db, opts: { tenantId?: string } = {}): Promise<RollupRun> {
  const client = await db.connect();
  try {
    // Locked before the snapshot is taken: a run must never write rollups from a snapshot
    // older than the previous run's.
    await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const marks = await client.query<{ tenant_id: string; hour: Date }>(
        `WITH gone AS (DELETE FROM usage_dirty_hours WHERE $1::uuid IS NULL OR tenant_id = $1 RETURNING tenant_id, hour)
         SELECT DISTINCT tenant_id, hour FROM gone`,
        [opts.tenantId ?? null],
      );
      if (marks.rows.length === 0) {
        await client.query('COMMIT');
        return { hours: 0, rows: 0 };
      }
      const tenants = marks.rows.map((m) => m.tenant_id);
      const hours = marks.rows.map((m) => m.hour);
      await client.query(
        `DELETE FROM usage_rollups_hourly r USING unnest($1::uuid[], $2::timestamptz[]) AS d(tenant_id, hour)
          WHERE r.tenant_id = d.tenant_id AND r.hour = d.hour`,
        [tenants, hours],
      );
      const ins = await client.query(
        `INSERT INTO usage_rollups_hourly (tenant_id, hour, meter, workspace_id, dimensions, events, sum, max, latest, latest_at, uniques)
         SELECT e.tenant_id, d.hour, e.meter, e.subject, x.dims,
                count(*), sum(e.quantity), max(e.quantity),
                (array_agg(e.quantity ORDER BY e.time DESC, e.received_at DESC))[1], max(e.time),
                CASE WHEN m.unique_by IS NOT NULL THEN array_agg(DISTINCT e.dimensions->>m.unique_by) END
           FROM unnest($1::uuid[], $2::timestamptz[]) AS d(tenant_id, hour)
           JOIN counted_usage_events e ON e.tenant_id = d.tenant_id AND e.time >= d.hour AND e.time < d.hour + interval '1 hour'
           JOIN meters m ON m.name = e.meter
           CROSS JOIN LATERAL (
             SELECT coalesce(jsonb_object_agg(k, e.dimensions->k), '{}') AS dims FROM unnest(m.dimensions) k WHERE e.dimensions ? k
           ) x
          GROUP BY e.tenant_id, d.hour, e.meter, e.subject, x.dims, m.unique_by`,
        [tenants, hours],
      );
      await client.query('COMMIT');
      return { hours: marks.rows.length, rows: ins.rowCount ?? 0 };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK]).catch(() => {});
    }
  } finally {
    client.release();
  }
}
