// Telemetry retention: spans and browser events older than the retention window go, a day
// partition at a time (no row-by-row deletes); request rollups stay. Also creates the next
// day's partitions ahead, so that the first write after midnight does not wait on DDL.
import type { Db } from '../db/pool.ts';
import { dayOf, dropPartitionsBefore, ensurePartitions, retentionStart } from './partitions.ts';

export interface RetentionResult {
  dropped: string[];
}

export async function applyTelemetryRetention(db: Db, days: number, now = new Date()): Promise<RetentionResult> {
  const before = retentionStart(now, days);
  const dropped = [
    ...(await dropPartitionsBefore(db, 'spans', before)),
    ...(await dropPartitionsBefore(db, 'rum_events', before)),
  ];
  // An idempotency key only needs to outlive the sender's retries (minutes).
  await db.query(`DELETE FROM rum_batches WHERE received_at < $1::timestamptz - interval '1 day'`, [now]);
  await db.query(`DELETE FROM span_keys WHERE received_at < $1::timestamptz - interval '1 day'`, [now]);
  const tomorrow = new Date(now.getTime() + 86_400_000);
  await ensurePartitions(db, 'spans', [dayOf(now), dayOf(tomorrow)]);
  await ensurePartitions(db, 'rum_events', [dayOf(now), dayOf(tomorrow)]);
  return { dropped };
}
