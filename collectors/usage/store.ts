// Writing accepted events: one transaction per batch. Keys first (a unique insert that waits
// for any concurrent transaction holding the same key, so a retry racing its original is
// counted once), then the new events by COPY, then the hours their rollups must redo.
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, Queryable } from '../../db/pool.ts';
import { checkCorrections } from './correcting.ts';
import { eventKey } from './keys.ts';
import type { UsageEvent } from './validate.ts';

export const EVENT_COLUMNS = '(tenant_id, time, meter, quantity, source, event_id, subject, dimensions, corrects)';

function copyText(v: string): string {
  return v.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** COPY text-format rows for `events` of `tenantId`, in EVENT_COLUMNS order. */
export function copyRows(tenantId: string, events: readonly UsageEvent[]): string {
  let out = '';
  for (const e of events) {
    out += `${tenantId}\t${e.time.toISOString()}\t${copyText(e.meter)}\t${e.quantity}\t${copyText(e.source)}\t${copyText(e.id)}\t${e.subject ?? '\\N'}\t${copyText(JSON.stringify(e.dimensions))}\t${e.corrects === undefined ? '\\N' : copyText(e.corrects)}\n`;
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
  /** per event: true when stored now, false when its key was already taken (a duplicate) or it was refused */
  stored: boolean[];
  /** correcting events refused under the write's locks, by position, with why */
  refused: Map<number, string>;
}

const CLOSED_UNTIL_SQL = 'usage_closed_until()';

/** COPY text-format rows of the key table, in key order. */
function keyRows(keyed: readonly { key: string; e: UsageEvent }[]): string {
  let out = '';
  for (const k of keyed) out += `${k.key}\t${k.e.time.toISOString()}\n`;
  return out;
}

/** COPY of idempotency keys (sorted by key) into usage_event_keys; fails with 23505 on a taken one. */
export async function copyKeys(client: pg.PoolClient, keyed: readonly { key: string; e: UsageEvent }[]): Promise<void> {
  const stream = client.query(copyFrom('COPY usage_event_keys (key, time) FROM STDIN'));
  await new Promise<void>((ok, fail) => {
    stream.on('error', fail);
    stream.on('finish', ok);
    stream.end(Buffer.from(keyRows(keyed)));
  });
}

/**
 * Stores `events` (already validated, distinct keys) for `tenantId` in one transaction and
 * returns which were new. Resolves only after COMMIT.
 *
 * The keys go in first, by COPY under a savepoint: when none of them is taken (the usual
 * case) that is the cheapest write PostgreSQL has, about 1.3x faster than
 * INSERT … ON CONFLICT. The unique index decides either way: a key committed by another
 * transaction fails the COPY (23505), one held by a transaction still in flight makes it
 * wait for that one's outcome. On a conflict the savepoint is rolled back and the keys are
 * inserted again with ON CONFLICT DO NOTHING RETURNING, which says which ones are new.
 */
export async function writeEvents(
  db: Db, tenantId: string, events: readonly UsageEvent[], checkedClosedUntil: Date | null = null,
): Promise<WriteResult> {
  if (events.length === 0) return { stored: [], refused: new Map() };
  await ensurePartitions(db, events.map((e) => e.time));
  let keyed = events.map((e, i) => ({ i, key: eventKey(tenantId, e.source, e.id), e }));
  // The same key order in every transaction: two overlapping batches cannot deadlock.
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const client = await db.connect();
  try {
    // One round trip: the transaction, the shared close lock and the savepoint of the keys.
    const opened = await client.query(
      `BEGIN; SELECT pg_advisory_xact_lock_shared(${CLOSE_LOCK}), ${CLOSED_UNTIL_SQL} AS until; SAVEPOINT usage_keys`,
    ) as unknown as pg.QueryResult<{ until: Date | null }>[];
    const until = opened[1]!.rows[0]!.until;
    if ((until?.getTime() ?? null) !== (checkedClosedUntil?.getTime() ?? null)) throw new ClosedPeriodChanged();
    const refused = await checkCorrections(client, tenantId, events);
    if (refused.size > 0) keyed = keyed.filter((k) => !refused.has(k.i));
    if (keyed.length === 0) {
      await client.query('ROLLBACK');
      return { stored: new Array<boolean>(events.length).fill(false), refused };
    }
    const stored = new Array<boolean>(events.length).fill(false);
    const toCopy: UsageEvent[] = [];
    let fresh: Set<string> | undefined;
    try {
      await copyKeys(client, keyed);
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await client.query('ROLLBACK TO SAVEPOINT usage_keys');
      const { rows } = await client.query<{ key: string }>(
        `INSERT INTO usage_event_keys (key, time) SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING key`,
        [keyed.map((k) => k.key), keyed.map((k) => k.e.time.toISOString())],
      );
      fresh = new Set(rows.map((r) => r.key));
    }
    for (const k of keyed) {
      if (!fresh || fresh.has(k.key)) {
        stored[k.i] = true;
        toCopy.push(k.e);
      }
    }
    await copyEvents(client, 'usage_events', tenantId, toCopy);
    // The dirty hours and the COMMIT in one round trip (literals built from a uuid and Dates).
    const hours = dirtyHours(toCopy.map((e) => e.time));
    const dirty = hours.length === 0 ? '' : `INSERT INTO usage_dirty_hours (tenant_id, hour) SELECT ${client.escapeLiteral(tenantId)}, unnest(${client.escapeLiteral(`{${hours.map((h) => h.toISOString()).join(',')}}`)}::timestamptz[]); `;
    await client.query(`${dirty}COMMIT`);
    return { stored, refused };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

function dirtyHours(times: Iterable<Date>): Date[] {
  const hours = new Set<number>();
  for (const t of times) hours.add(hourOf(t).getTime());
  return [...hours].map((h) => new Date(h));
}

/** Records the hours whose rollups must be recomputed. */
export async function markDirty(db: Queryable, tenantId: string, times: Iterable<Date>): Promise<void> {
  const hours = dirtyHours(times);
  if (hours.length === 0) return;
  await db.query('INSERT INTO usage_dirty_hours (tenant_id, hour) SELECT $1, unnest($2::timestamptz[])', [tenantId, hours]);
}
