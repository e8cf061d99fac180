// Reads behind the trace explorer: search for requests (server and root spans) by service,
// route, status, duration and time; one trace's spans for its waterfall.
import type { Queryable } from '../../db/pool.ts';
import { ALL_TENANTS } from '../requests/store.ts';

export interface TraceScope {
  /** a tenant id, null for the platform's own spans, or ALL_TENANTS */
  tenantId: string | null | typeof ALL_TENANTS;
}

export interface TraceSearch extends TraceScope {
  service?: string;
  route?: string;
  status?: 'ok' | 'error';
  minDurationMs?: number;
  maxDurationMs?: number;
  /** spans that name this workspace (attribute pilothouse.workspace, as the sandboxes send it) */
  workspace?: string;
  from: Date;
  to: Date;
  limit: number;
}

export interface TraceHit {
  tenantId: string | null;
  traceId: string;
  spanId: string;
  service: string;
  name: string;
  route: string | null;
  start: string;
  durationMs: number;
  isError: boolean;
  httpStatus: number | null;
  /** the workspace the request served, when its span says */
  workspaceId: string | null;
}

/** The span attribute a workspace's agent puts on its requests. */
export const WORKSPACE_ATTRIBUTE = 'pilothouse.workspace';

function scopeSql(s: TraceScope, params: unknown[]): string {
  if (s.tenantId === ALL_TENANTS) return 'true';
  return `tenant_id IS NOT DISTINCT FROM $${params.push(s.tenantId)}::uuid`;
}

export async function searchTraces(db: Queryable, q: TraceSearch): Promise<TraceHit[]> {
  const params: unknown[] = [q.from, q.to];
  const where = ['start_time >= $1', 'start_time < $2', '(kind = 2 OR parent_span_id IS NULL)', scopeSql(q, params)];
  if (q.service) where.push(`service = $${params.push(q.service)}`);
  if (q.route) where.push(`(route = $${params.push(q.route)} OR name = $${params.length})`);
  if (q.status) where.push(q.status === 'error' ? 'is_error' : 'NOT is_error');
  if (q.minDurationMs !== undefined) where.push(`duration_ns >= $${params.push(Math.round(q.minDurationMs * 1e6))}`);
  if (q.maxDurationMs !== undefined) where.push(`duration_ns <= $${params.push(Math.round(q.maxDurationMs * 1e6))}`);
  if (q.workspace) where.push(`attributes->>'${WORKSPACE_ATTRIBUTE}' = $${params.push(q.workspace)}`);
  const { rows } = await db.query(
    `SELECT tenant_id, trace_id, span_id, service, name, route, start_time, duration_ns::float8 / 1e6 AS duration_ms, is_error, http_status,
            attributes->>'${WORKSPACE_ATTRIBUTE}' AS workspace_id
       FROM spans WHERE ${where.join(' AND ')}
      ORDER BY start_time DESC LIMIT $${params.push(q.limit)}`,
    params,
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id, traceId: r.trace_id, spanId: r.span_id, service: r.service, name: r.name, route: r.route,
    start: r.start_time.toISOString(), durationMs: r.duration_ms, isError: r.is_error, httpStatus: r.http_status,
    workspaceId: r.workspace_id && /^[0-9a-f-]{36}$/i.test(r.workspace_id) ? r.workspace_id : null,
  }));
}

export interface TraceSpan {
  tenantId: string | null;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: number;
  /** exact start, unix nanoseconds as a decimal string */
  startUnixNano: string;
  /** milliseconds from the trace's first span */
  offsetMs: number;
  durationMs: number;
  statusCode: number;
  statusMessage: string | null;
  isError: boolean;
  httpStatus: number | null;
  route: string | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: unknown[] | null;
  links: unknown[] | null;
}

/** The spans of one trace in the scope, by start time; empty when it has none there. */
export async function getTrace(db: Queryable, traceId: string, scope: TraceScope): Promise<TraceSpan[]> {
  const params: unknown[] = [traceId.toLowerCase()];
  const { rows } = await db.query(
    `SELECT tenant_id, span_id, parent_span_id, service, name, kind, start_unix_nano::text AS start_ns,
            ((start_unix_nano - min(start_unix_nano) OVER ())::float8 / 1e6) AS offset_ms, duration_ns::float8 / 1e6 AS duration_ms,
            status_code, status_message, is_error, http_status, route, attributes, resource, events, links
       FROM spans WHERE trace_id = $1 AND ${scopeSql(scope, params)}
      ORDER BY start_unix_nano, span_id LIMIT 5000`,
    params,
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id, spanId: r.span_id, parentSpanId: r.parent_span_id, service: r.service, name: r.name, kind: r.kind,
    startUnixNano: r.start_ns, offsetMs: r.offset_ms, durationMs: r.duration_ms, statusCode: r.status_code, statusMessage: r.status_message,
    isError: r.is_error, httpStatus: r.http_status, route: r.route, attributes: r.attributes, resource: r.resource, events: r.events, links: r.links,
  }));
}
