// Cancelling an event: a new row naming it, never an update. Allowed for a day after the
// event was received; after that, sum meters take a negative correction event instead.
import { withTransaction, type Db } from '../../db/pool.ts';
import { ConflictError, NotFoundError } from '../../tenancy/errors.ts';
import { eventKey } from './keys.ts';
import { CLOSE_LOCK, markDirty } from './store.ts';

export const CANCEL_WINDOW_MS = 24 * 3600_000;

export interface Cancellation {
  source: string;
  id: string;
  meter: string;
  eventTime: Date;
  cancelledAt: Date;
  alreadyCancelled: boolean;
}

export async function cancelEvent(
  db: Db, tenantId: string, req: { source: string; id: string; reason?: string; actor?: string }, now = new Date(),
): Promise<Cancellation> {
  return withTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock_shared($1)', [CLOSE_LOCK]);
    const notFound = () => new NotFoundError(`no event with source "${req.source}" and id "${req.id}" in this tenant`);
    const key = await client.query<{ time: Date }>('SELECT time FROM usage_event_keys WHERE key = $1', [eventKey(tenantId, req.source, req.id)]);
    if (!key.rows[0]) throw notFound();
    const { rows } = await client.query<{ meter: string; received_at: Date; time: Date; closed: boolean }>(
      `SELECT meter, received_at, time,
              time < usage_closed_until() AS closed
         FROM usage_events WHERE tenant_id = $1 AND time = $2 AND source = $3 AND event_id = $4`,
      [tenantId, key.rows[0].time, req.source, req.id],
    );
    const ev = rows[0];
    if (!ev) throw notFound();
    const prior = await client.query<{ cancelled_at: Date }>(
      'SELECT cancelled_at FROM usage_cancellations WHERE tenant_id = $1 AND source = $2 AND event_id = $3',
      [tenantId, req.source, req.id],
    );
    if (prior.rows[0]) return { source: req.source, id: req.id, meter: ev.meter, eventTime: ev.time, cancelledAt: prior.rows[0].cancelled_at, alreadyCancelled: true };
    if (now.getTime() - ev.received_at.getTime() > CANCEL_WINDOW_MS) {
      throw new ConflictError(`event "${req.id}" was received more than 24 hours ago and can no longer be cancelled: send a correcting event with a negative quantity`);
    }
    if (ev.closed) throw new ConflictError(`event "${req.id}" falls in a closed billing period and can no longer be cancelled`);
    // ON CONFLICT: a concurrent retry of the same cancellation wins or loses quietly.
    const ins = await client.query<{ cancelled_at: Date }>(
      `INSERT INTO usage_cancellations (tenant_id, source, event_id, event_time, reason, cancelled_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING cancelled_at`,
      [tenantId, req.source, req.id, ev.time, req.reason ?? null, req.actor ?? null],
    );
    await markDirty(client, tenantId, [ev.time]);
    return {
      source: req.source, id: req.id, meter: ev.meter, eventTime: ev.time,
      cancelledAt: ins.rows[0]?.cancelled_at ?? now, alreadyCancelled: !ins.rows[0],
    };
  });
}
