// Correcting events: an event with the `corrects` attribute names an earlier event of the
// same tenant and source, and a negative one must. Checked inside the writing transaction,
// under advisory locks on the corrected event and on its meter's month, so two corrections
// racing each other cannot both pass: a correction never takes more off an event than the
// event (less earlier corrections) holds, nor takes its meter below zero for the month it
// is dated in (a correction dated in the open month for an event of a closed one is the
// case the month rule exists for).
import { Decimal } from 'decimal.js';
import type pg from 'pg';
import { eventKey } from './keys.ts';
import type { UsageEvent } from './validate.ts';

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));

/** A 63-bit advisory lock key for any text. */
function lockKey(text: string): string {
  return BigInt(`0x${eventKey('lock', 'usage', text).replaceAll('-', '').slice(0, 15)}`).toString();
}

/** Refusals by position in `events`, with the message the sender sees. */
export async function checkCorrections(client: pg.PoolClient, tenantId: string, events: readonly UsageEvent[]): Promise<Map<number, string>> {
  const refused = new Map<number, string>();
  const correcting = events.map((e, i) => ({ e, i })).filter(({ e }) => e.corrects !== undefined);
  if (correcting.length === 0) return refused;
  const locks = new Set<string>();
  for (const { e } of correcting) {
    locks.add(lockKey(`event\0${tenantId}\0${e.source}\0${e.corrects}`));
    if (e.quantity.startsWith('-')) locks.add(lockKey(`month\0${tenantId}\0${e.meter}\0${monthStart(e.time).toISOString()}`));
  }
  await client.query('SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k ORDER BY k', [[...locks]]);

  const pendingByEvent = new Map<string, Decimal>();
  const pendingByMonth = new Map<string, Decimal>();
  for (const { e, i } of correcting) {
    const target = await client.query<{ meter: string; quantity: string; cancelled: boolean; corrected: string }>(
      `SELECT e.meter, e.quantity::text,
              NOT EXISTS (SELECT 1 FROM counted_usage_events c WHERE c.tenant_id = e.tenant_id AND c.time = e.time AND c.source = e.source AND c.event_id = e.event_id) AS cancelled,
              (SELECT coalesce(sum(x.quantity), 0)::text FROM counted_usage_events x
                WHERE x.tenant_id = e.tenant_id AND x.source = e.source AND x.corrects = e.event_id) AS corrected
         FROM usage_event_keys k JOIN usage_events e ON e.time = k.time
        WHERE k.key = $1 AND e.tenant_id = $2 AND e.source = $3 AND e.event_id = $4`,
      [eventKey(tenantId, e.source, e.corrects!), tenantId, e.source, e.corrects],
    );
    const t = target.rows[0];
    if (!t) {
      refused.set(i, `corrects "${e.corrects}": no event with that id from source "${e.source}" in this tenant (a correction names an event its own source sent)`);
      continue;
    }
    if (t.meter !== e.meter) {
      refused.set(i, `corrects "${e.corrects}": that event is ${t.meter}, not ${e.meter}; a correction has its event's type`);
      continue;
    }
    if (t.cancelled) {
      refused.set(i, `corrects "${e.corrects}": that event is cancelled and counts for nothing already`);
      continue;
    }
    const q = new Decimal(e.quantity);
    if (q.isNegative()) {
      const eventKeyText = `${e.source}\0${e.corrects}`;
      const left = new Decimal(t.quantity).plus(t.corrected).plus(pendingByEvent.get(eventKeyText) ?? 0);
      if (left.plus(q).isNegative()) {
        refused.set(i, `data.quantity ${e.quantity} takes more off event "${e.corrects}" than it still counts (${left.toString()}): a correction cannot go below zero`);
        continue;
      }
      const month = monthStart(e.time);
      const monthKey = `${e.meter}\0${month.toISOString()}`;
      if (!pendingByMonth.has(monthKey)) {
        const { rows } = await client.query<{ total: string }>(
          `SELECT coalesce(sum(e.quantity), 0)::text AS total FROM counted_usage_events e
            WHERE e.tenant_id = $1 AND e.meter = $2 AND e.time >= $3 AND e.time < $3::timestamptz + interval '1 month'`,
          [tenantId, e.meter, month],
        );
        pendingByMonth.set(monthKey, new Decimal(rows[0]!.total));
      }
      const monthTotal = pendingByMonth.get(monthKey)!;
      if (monthTotal.plus(q).isNegative()) {
        refused.set(i, `data.quantity ${e.quantity} would take ${e.meter} below zero for ${month.toISOString().slice(0, 7)} (it counts ${monthTotal.toString()}): date the correction in a month that holds the usage it corrects`);
        continue;
      }
      pendingByMonth.set(monthKey, monthTotal.plus(q));
      pendingByEvent.set(eventKeyText, (pendingByEvent.get(eventKeyText) ?? new Decimal(0)).plus(q));
    }
  }
  return refused;
}
