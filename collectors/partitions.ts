// Daily partitions of the telemetry tables (spans, rum_events): created on demand before a
// write, dropped whole by retention. Creation runs outside the writer's transaction: it
// takes a lock on the parent table that a transaction already inserting into it could
// deadlock against.
import type { Db, Queryable } from '../db/pool.ts';

export type PartitionedTable = 'spans' | 'rum_events';

const known = new WeakMap<Db, Set<string>>();

/** The UTC day (YYYY-MM-DD) of an ISO timestamp or Date. */
export function dayOf(at: string | Date): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 10);
}

/** Makes sure a partition exists for each of `days` (YYYY-MM-DD, UTC). */
export async function ensurePartitions(db: Db, table: PartitionedTable, days: Iterable<string>): Promise<void> {
  let seen = known.get(db);
  if (!seen) known.set(db, (seen = new Set()));
  for (const day of new Set(days)) {
    const key = `${table}:${day}`;
    if (seen.has(key)) continue;
    await db.query(`SELECT telemetry_ensure_partition($1, $2::timestamptz)`, [table, `${day}T00:00:00Z`]).catch((err: { code?: string }) => {
      // Another writer created it first: the function's existence check can miss a table
      // committed while it waited for the lock (catalog caches are not refreshed by an
      // advisory lock), and CREATE then finds it.
      if (err.code !== '42P07') throw err;
    });
    seen.add(key);
  }
}

/** Start (UTC midnight) of the oldest day kept when keeping `days` days before today. */
export function retentionStart(now: Date, days: number): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - days);
  return d;
}

/** Drops the day partitions of `table` that end before `before`; returns their names. */
export async function dropPartitionsBefore(db: Queryable, table: PartitionedTable, before: Date): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table],
  );
  const cutoff = before.toISOString().slice(0, 10).replaceAll('-', '');
  const dropped: string[] = [];
  for (const { name } of rows as { name: string }[]) {
    const m = new RegExp(`^${table}_(\\d{8})$`).exec(name);
    // a day partition ends at the next midnight: drop it when that is at or before the cutoff
    if (m && m[1]! < cutoff) {
      await db.query(`DROP TABLE IF EXISTS "${name}"`);
      dropped.push(name);
    }
  }
  // forget what this process knew: the next write checks again
  if (dropped.length) known.get(db as Db)?.clear();
  return dropped;
}
