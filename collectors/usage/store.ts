// Writing accepted events: one transaction per batch. Keys first (a unique insert that waits
// for any concurrent transaction holding the same key, so a retry racing its original is
// counted once), then the new events by COPY, then the hours their rollups must redo.
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withTransaction, type Db, type Queryable } from '../../db/pool.ts';
import { eventKey } from './keys.ts';
import type { UsageEvent } from './validate.ts';

export const EVENT_COLUMNS = '(tenant_id, time, meter, quantity, source, event_id, subject, dimensions)';

function copyText(v: string): string {
  return v.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** COPY text-format rows for `events` of `tenantId`, in EVENT_COLUMNS order. */
export function copyRows(tenantId: string, events: readonly UsageEvent[]): string {
  let out = '';
  for (const e of events) {
    out += `${tenantId}\t${e.time.toISOString()}\t${copyText(e.meter)}\t${e.quantity}\t${copyText(e.source)}\t${copyText(e.id)}\t${e.subject ?? '\\N'}\t${copyText(JSON.stringify(e.dimensions))}\n`;
  }
  return out;
}

export async function copyEvents(client: pg.PoolClient, table: string, tenantId: string, events: readonly UsageEvent[]): Promise<void> {
  if (events.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} ${EVENT_COLUMNS} FROM STDIN`));
  // One buffer in one write: the rows reach the server without waiting on stream ticks.
  await new Promise<void>((ok, fail) => {
    stream.on('error', fail);
    stream.on('finish', ok);
    stream.end(Buffer.from(copyRows(tenantId, events)));
  });
}

const monthKey = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
const knownPartitions = new WeakMap<object, Set<number>>();

/** Makes sure a partition exists for every month the events fall in. */
export async function ensurePartitions(db: Queryable, times: Iterable<Date>): Promise<void> {
  const known = knownPartitions.get(db) ?? new Set<number>();
  knownPartitions.set(db, known);
  const missing = new Map<number, Date>();
  for (const t of times) {
    const k = monthKey(t);
    if (!known.has(k) && !missing.has(k)) missing.set(k, t);
  }
  for (const [k, t] of missing) {
    await db.query('SELECT usage_ensure_partition($1)', [t]).catch((err: { code?: string }) => {
      // Another writer created it first: the function's existence check can miss a table
      // committed while it waited for the lock (the advisory lock does not refresh the
      // catalogue snapshot), and CREATE then finds it.
      if (err.code !== '42P07') throw err;
    });
    known.add(k);
  }
}

/** Held shared by every write into usage, exclusively by the month close. */
export const CLOSE_LOCK = 0x636c6f73; // 'clos'

/** A month closed between validation and write: validate the batch again. */
export class ClosedPeriodChanged extends Error {}

export const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3600_000) * 3600_000);

export interface WriteResult {
  /** per event: true when stored now, false when its key was already taken (a duplicate) */
  stored: boolean[];
}

/**
 * Stores `events` (already validated, distinct keys) for `tenantId` in one transaction and
 * returns which were new. Resolves only after COMMIT.
 */
export async function writeEvents(
  db: Db, tenantId: string, events: readonly UsageEvent[], checkedClosedUntil: Date | null = null,
): Promise<WriteResult> {
  if (events.length === 0) return { stored: [] };
  await ensurePartitions(db, events.map((e) => e.time));
  const keyed = events.map((e, i) => ({ i, key: eventKey(tenantId, e.source, e.id), e }));
  // The same key order in every transaction: two overlapping batches cannot deadlock.
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return withTransaction(db, async (client) => {
    const lock = await client.query<{ until: Date | null }>(
      `SELECT pg_advisory_xact_lock_shared($1), (SELECT (max(period)::timestamp + interval '1 month') AT TIME ZONE 'UTC' FROM usage_closed_periods) AS until`,
      [CLOSE_LOCK],
    );
    if ((lock.rows[0]!.until?.getTime() ?? null) !== (checkedClosedUntil?.getTime() ?? null)) throw new ClosedPeriodChanged();
    const { rows } = await client.query<{ key: string }>(
      `INSERT INTO usage_event_keys (key, time) SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
       ON CONFLICT DO NOTHING RETURNING key`,
      [keyed.map((k) => k.key), keyed.map((k) => k.e.time.toISOString())],
    );
    const fresh = new Set(rows.map((r) => r.key));
    const stored = new Array<boolean>(events.length).fill(false);
    const toCopy: UsageEvent[] = [];
    for (const k of keyed) {
      if (fresh.has(k.key)) {
        stored[k.i] = true;
        toCopy.push(k.e);
      }
    }
    await copyEvents(client, 'usage_events', tenantId, toCopy);
    await markDirty(client, tenantId, toCopy.map((e) => e.time));
    return { stored };
  });
}

/** Records the hours whose rollups must be recomputed. */
export async function markDirty(db: Queryable, tenantId: string, times: Iterable<Date>): Promise<void> {
  const hours = new Set<number>();
  for (const t of times) hours.add(hourOf(t).getTime());
  if (hours.size === 0) return;
  await db.query(
    'INSERT INTO usage_dirty_hours (tenant_id, hour) SELECT $1, unnest($2::timestamptz[])',
    [tenantId, [...hours].map((h) => new Date(h))],
  );
}
