// One request's worth of events: validate each, absorb replays, store the rest, and say
// what happened to every event. The answer is built only after the batch committed.
import { Type, type Static } from 'typebox';
import type { Db } from '../../db/pool.ts';
import { meterMap } from './meters.ts';
import { ClosedPeriodChanged, writeEvents } from './store.ts';
import { checkEvent, REJECTION_REASONS, subjectsOf, type UsageEvent } from './validate.ts';
import { latestActivity, markActivity } from './activity.ts';

export const Rejection = Type.Object({
  index: Type.Integer({ description: 'position of the event in the batch (0 for a single event)' }),
  id: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Enum(REJECTION_REASONS),
  message: Type.String(),
});
export type Rejection = Static<typeof Rejection>;

/** What happened to every event of a request: the answer of POST /api/v1/tenants/{id}/events. */
export const IngestResult = Type.Object({
  accepted: Type.Integer({ description: 'events stored now' }),
  duplicates: Type.Integer({ description: 'replays of events already stored (same source and id), absorbed' }),
  rejected: Type.Integer(),
  duplicateIndexes: Type.Array(Type.Integer(), { description: 'indexes of the events absorbed as replays of events already stored' }),
  rejections: Type.Array(Rejection),
});
export type IngestResult = Static<typeof IngestResult>;

/** called after commit with what was stored, what was a duplicate and what was refused */
export type IngestObserver = (result: IngestResult, stored: readonly UsageEvent[], commitSeconds: number) => void;

// The end of the closed periods changes once a month. A batch naming no workspace reuses the
// value read in the last two seconds instead of asking again: the write re-reads it under the
// close lock and has the batch judged again (with a fresh read) when it moved.
const CLOSED_UNTIL_MS = 2_000;
const closedUntilCache = new WeakMap<object, { at: number; until: Date | null }>();

async function lookups(db: Db, tenantId: string, subjects: string[], fresh: boolean): Promise<{ workspaces: Set<string>; closedUntil: Date | null }> {
  const hit = closedUntilCache.get(db);
  if (!fresh && subjects.length === 0 && hit && Date.now() - hit.at < CLOSED_UNTIL_MS) return { workspaces: new Set(), closedUntil: hit.until };
  const at = Date.now();
  const { rows } = await db.query(
    `SELECT usage_closed_until() AS closed_until,
            (SELECT coalesce(array_agg(id::text), '{}') FROM workspaces WHERE tenant_id = $1 AND id = ANY($2::uuid[])) AS workspaces`,
    [tenantId, subjects],
  );
  closedUntilCache.set(db, { at, until: rows[0].closed_until });
  return { workspaces: new Set(rows[0].workspaces), closedUntil: rows[0].closed_until };
}

export async function ingestEvents(
  db: Db, tenantId: string, raws: readonly unknown[], opts: { now?: Date; observe?: IngestObserver } = {},
): Promise<IngestResult> {
  try {
    return await ingestOnce(db, tenantId, raws, opts, false);
  } catch (err) {
    // A month closed while this batch was validated: its events must be judged again.
    if (err instanceof ClosedPeriodChanged) return ingestOnce(db, tenantId, raws, opts, true);
    throw err;
  }
}

async function ingestOnce(
  db: Db, tenantId: string, raws: readonly unknown[], opts: { now?: Date; observe?: IngestObserver }, fresh: boolean,
): Promise<IngestResult> {
  const now = opts.now ?? new Date();
  const [meters, ctx] = await Promise.all([meterMap(db), lookups(db, tenantId, subjectsOf(raws as unknown[]), fresh)]);
  const rejections: Rejection[] = [];
  const duplicateIndexes: number[] = [];
  const valid: UsageEvent[] = [];
  const validIndex: number[] = [];
  const seen = new Set<string>();
  raws.forEach((raw, index) => {
    const checked = checkEvent(raw, { meters, now, ...ctx });
    if (!checked.ok) {
      const id = (raw as { id?: unknown } | null)?.id;
      rejections.push({ index, id: typeof id === 'string' ? id : null, reason: checked.reason, message: checked.message });
      return;
    }
    // A replay inside the same batch is a duplicate of its first copy.
    const k = `${checked.event.source}\0${checked.event.id}`;
    if (seen.has(k)) {
      duplicateIndexes.push(index);
      return;
    }
    seen.add(k);
    valid.push(checked.event);
    validIndex.push(index);
  });
  const started = performance.now();
  const { stored, refused } = await writeEvents(db, tenantId, valid, ctx.closedUntil);
  const commitSeconds = (performance.now() - started) / 1000;
  const storedEvents: UsageEvent[] = [];
  stored.forEach((isNew, j) => {
    const message = refused.get(j);
    if (message !== undefined) rejections.push({ index: validIndex[j]!, id: valid[j]!.id, reason: 'invalid_correction', message });
    else if (isNew) storedEvents.push(valid[j]!);
    else duplicateIndexes.push(validIndex[j]!);
  });
  rejections.sort((a, b) => a.index - b.index);
  // After the commit, outside its transaction: workspace rows are not held locked while the
  // events are written, and the events are safe whatever happens here.
  await markActivity(db, tenantId, latestActivity(storedEvents, meters, now));
  duplicateIndexes.sort((a, b) => a - b);
  const result: IngestResult = {
    accepted: storedEvents.length, duplicates: duplicateIndexes.length, rejected: rejections.length, duplicateIndexes, rejections,
  };
  opts.observe?.(result, storedEvents, commitSeconds);
  return result;
}
