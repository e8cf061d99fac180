// Span rows into PostgreSQL with their request rollups, in one transaction: a span is
// counted in the rollups exactly when it is newly stored, so a retried export (same spans)
// changes neither.
import type { Db } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { dayOf, ensurePartitions } from '../partitions.ts';
import { rollUp, type RequestSpan } from '../requests/rollup.ts';
import { addRollups } from '../requests/store.ts';
import { KIND_SERVER, type SpanRow } from './spans.ts';

export interface StoreResult {
  stored: number;
  /** spans already stored (a retry, or a repeat inside the batch) */
  duplicates: number;
}

const COLUMNS = `tenant_id, trace_id, span_id, parent_span_id, start_time, start_unix_nano, duration_ns, service, name, kind,
  status_code, status_message, route, http_status, is_error, trace_state, flags, attributes, resource, scope, events, links, dropped`;

const UNNEST = `unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::bigint[], $8::text[], $9::text[],
  $10::smallint[], $11::smallint[], $12::text[], $13::text[], $14::int[], $15::bool[], $16::text[], $17::bigint[], $18::jsonb[], $19::jsonb[],
  $20::jsonb[], $21::jsonb[], $22::jsonb[], $23::jsonb[])`;

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The rows as the 23 column arrays of the UNNEST insert. */
export function columnArrays(rows: SpanRow[]): unknown[][] {
  return [
    rows.map((r) => r.tenantId), rows.map((r) => r.traceId), rows.map((r) => r.spanId), rows.map((r) => r.parentSpanId),
    rows.map((r) => r.startTime), rows.map((r) => r.startUnixNano.toString()), rows.map((r) => r.durationNs.toString()),
    rows.map((r) => r.service), rows.map((r) => r.name), rows.map((r) => r.kind), rows.map((r) => r.statusCode),
    rows.map((r) => r.statusMessage), rows.map((r) => r.route), rows.map((r) => r.httpStatus), rows.map((r) => r.isError),
    rows.map((r) => r.traceState), rows.map((r) => r.flags), rows.map((r) => json(r.attributes)), rows.map((r) => json(r.resource)),
    rows.map((r) => json(r.scope)), rows.map((r) => json(r.events)), rows.map((r) => json(r.links)), rows.map((r) => json(r.dropped)),
  ];
}

/** A plain insert of the same rows (no dedup, no rollups): the benchmark's baseline. */
export async function insertSpansRaw(db: Db, rows: SpanRow[]): Promise<void> {
  await ensurePartitions(db, 'spans', rows.map((r) => dayOf(r.startTime)));
  await db.query(`INSERT INTO spans (${COLUMNS}) SELECT * FROM ${UNNEST}`, columnArrays(rows));
}

/**
 * SPAN_STORAGE=none: only the request rollups. Server spans with a route are counted once,
 * by key (span_keys, kept a day), so a retried export changes nothing; other spans are
 * accepted and not kept (an OTLP backend behind OTLP_FORWARD_ENDPOINT keeps them).
 */
export async function storeRollupsOnly(db: Db, rows: SpanRow[]): Promise<StoreResult> {
  const requests = rows.filter((r) => r.kind === KIND_SERVER && r.route !== null)
    .sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  if (requests.length === 0) return { stored: rows.length, duplicates: 0 };
  return withTransaction(db, async (client) => {
    const { rows: fresh } = await client.query<{ trace_id: string; span_id: string }>(
      `INSERT INTO span_keys (tenant_id, trace_id, span_id, start_time)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (trace_id, span_id, tenant_id, start_time) DO NOTHING RETURNING trace_id, span_id`,
      [requests.map((r) => r.tenantId), requests.map((r) => r.traceId), requests.map((r) => r.spanId), requests.map((r) => r.startTime)],
    );
    const isNew = new Set(fresh.map((k) => `${k.trace_id}/${k.span_id}`));
    const counted: RequestSpan[] = requests.filter((r) => isNew.delete(`${r.traceId}/${r.spanId}`))
      .map((r) => ({ tenantId: r.tenantId, service: r.service, route: r.route!, startUnixNano: r.startUnixNano, durationNs: r.durationNs, isError: r.isError }));
    const rollups = rollUp(counted).sort((a, b) =>
      (a.tenantId ?? '').localeCompare(b.tenantId ?? '') || a.service.localeCompare(b.service) || a.route.localeCompare(b.route) || a.minute.localeCompare(b.minute));
    await addRollups(client, rollups);
    const duplicates = requests.length - counted.length;
    return { stored: rows.length - duplicates, duplicates };
  });
}

/** `rollUp`: count new server spans in the request rollups (never for browser telemetry). */
export async function storeSpans(db: Db, rows: SpanRow[], o: { rollUp: boolean }): Promise<StoreResult> {
  if (rows.length === 0) return { stored: 0, duplicates: 0 };
  await ensurePartitions(db, 'spans', rows.map((r) => dayOf(r.startTime)));
  // Key order, so that two batches sharing spans (concurrent retries) lock them in the same order.
  const sorted = [...rows].sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  return withTransaction(db, async (client) => {
    const { rows: inserted } = await client.query(
      `INSERT INTO spans (${COLUMNS}) SELECT * FROM ${UNNEST}
       ON CONFLICT (trace_id, span_id, tenant_id, start_time) DO NOTHING
       RETURNING tenant_id, service, route, kind, start_unix_nano::text AS start, duration_ns::text AS duration, is_error`,
      columnArrays(sorted),
    );
    const requests: RequestSpan[] = inserted
      .filter((r) => o.rollUp && r.kind === KIND_SERVER && r.route !== null)
      .map((r) => ({ tenantId: r.tenant_id, service: r.service, route: r.route, startUnixNano: BigInt(r.start), durationNs: BigInt(r.duration), isError: r.is_error }));
    // A fixed order of rollup rows, so two batches touching the same rows cannot deadlock.
    const rollups = rollUp(requests).sort((a, b) =>
      (a.tenantId ?? '').localeCompare(b.tenantId ?? '') || a.service.localeCompare(b.service) || a.route.localeCompare(b.route) || a.minute.localeCompare(b.minute));
    await addRollups(client, rollups);
    return { stored: inserted.length, duplicates: rows.length - inserted.length };
  });
}
