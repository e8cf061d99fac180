// OTLP trace ingest: decoded request → checked spans → stored with their rollups, and the
// answer OTLP asks for (how many spans were rejected, and why).
import type { Db } from '../../db/pool.ts';
import { retentionStart } from '../partitions.ts';
import { convertRequest, rejectionMessage, type SpanOrigin } from './spans.ts';
import { storeRollupsOnly, storeSpans } from './store.ts';

export interface IngestOptions {
  /** the tenant the spans belong to; null for the platform's own */
  tenantId: string | null;
  /** a server's exporter, or a browser through Faro (never server spans, never request rollups) */
  origin: SpanOrigin;
  retentionDays: number;
  /** 'none': keep only the request rollups (SPAN_STORAGE) */
  storage?: 'all' | 'none';
  now?: Date;
}

export interface IngestResult {
  stored: number;
  duplicates: number;
  rejected: number;
  /** empty when nothing was rejected */
  message: string;
}

const HOUR_NS = 3_600_000_000_000n;

export async function ingestTraces(db: Db, request: object, o: IngestOptions): Promise<IngestResult> {
  const now = o.now ?? new Date();
  const converted = convertRequest(request, {
    tenantId: o.tenantId,
    origin: o.origin,
    oldestStartNs: BigInt(retentionStart(now, o.retentionDays).getTime()) * 1_000_000n,
    newestStartNs: BigInt(now.getTime()) * 1_000_000n + HOUR_NS,
  });
  // Browser spans carry no route (spans.ts), so neither path rolls them up; storeSpans is also told.
  const { stored, duplicates } = await (o.storage === 'none' ? storeRollupsOnly(db, converted.rows) : storeSpans(db, converted.rows, { rollUp: o.origin === 'server' }));
  return { stored, duplicates, rejected: converted.rejected, message: rejectionMessage(converted) };
}
