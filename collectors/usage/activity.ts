// Usage as a sign of life: an event of a meter that marks activity (LLM tokens, API calls)
// naming a workspace moves that workspace's last activity forward, so the idle reaper does
// not pause an agent that is working without anyone calling the activity endpoint.
import type { Queryable } from '../../db/pool.ts';
import type { Meter } from './meters.ts';
import type { UsageEvent } from './validate.ts';

/**
 * The latest activity per workspace in these stored events: events of activity meters with a
 * subject and a positive quantity (a correction is not work), at their own time but never
 * past `now` (senders' clocks may run up to five minutes ahead).
 */
export function latestActivity(events: readonly UsageEvent[], meters: ReadonlyMap<string, Meter>, now: Date): Map<string, Date> {
  const latest = new Map<string, Date>();
  for (const e of events) {
    if (!e.subject || !meters.get(e.meter)?.marksActivity || !(Number(e.quantity) > 0)) continue;
    const at = e.time > now ? now : e.time;
    const seen = latest.get(e.subject);
    if (!seen || at > seen) latest.set(e.subject, at);
  }
  return latest;
}

// Activity a few seconds newer than what is stored changes nothing the reaper decides (its
// timeouts are minutes to hours): skipping those writes keeps a busy agent's token stream
// from updating its workspace row on every batch.
const RESOLUTION = '30 seconds';

/** Stores the activity; rows are locked in id order so concurrent batches cannot deadlock. */
export async function markActivity(db: Queryable, tenantId: string, latest: ReadonlyMap<string, Date>): Promise<number> {
  if (latest.size === 0) return 0;
  const { rowCount } = await db.query(
    `UPDATE workspaces w SET last_activity_at = s.at
       FROM (SELECT x.id, t.at FROM unnest($2::uuid[], $3::timestamptz[]) AS t(id, at)
               JOIN workspaces x ON x.id = t.id AND x.tenant_id = $1
              WHERE x.state <> 'archived' AND (x.last_activity_at IS NULL OR x.last_activity_at < t.at - interval '${RESOLUTION}')
              ORDER BY x.id FOR UPDATE OF x) s
      WHERE w.id = s.id`,
    [tenantId, [...latest.keys()], [...latest.values()]],
  );
  return rowCount ?? 0;
}
