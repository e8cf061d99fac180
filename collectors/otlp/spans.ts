// A decoded OTLP trace request → span rows, each checked on its own: a span that cannot be
// stored is rejected (and counted for the partial-success answer) without failing the rest.
// Pure; both encodings arrive here in the same shape, ids aside (hex strings from JSON,
// byte buffers from protobuf), so both store identical rows.

export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const STATUS_CODES = ['unset', 'ok', 'error'] as const;
export const KIND_SERVER = 2;
export const STATUS_ERROR = 2;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface SpanRow {
  tenantId: string | null;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  /** ISO timestamp with microseconds (what timestamptz holds) */
  startTime: string;
  startUnixNano: bigint;
  durationNs: bigint;
  service: string;
  name: string;
  kind: number;
  statusCode: number;
  statusMessage: string | null;
  /** "METHOD route" of a server span: its request rollup key */
  route: string | null;
  httpStatus: number | null;
  isError: boolean;
  traceState: string | null;
  flags: number | null;
  attributes: Record<string, JsonValue>;
  resource: Record<string, JsonValue>;
  scope: { name: string; version: string | null; attributes?: Record<string, JsonValue> };
  events: { timeUnixNano: string; name: string; attributes: Record<string, JsonValue> }[] | null;
  links: { traceId: string; spanId: string; traceState: string | null; attributes: Record<string, JsonValue> }[] | null;
  dropped: { attributes?: number; events?: number; links?: number } | null;
}

/** Who sent the spans: a server's exporter (an authenticated token) or a browser (Faro). */
export type SpanOrigin = 'server' | 'browser';

export interface ConvertOptions {
  tenantId: string | null;
  /**
   * A browser can read the key it sends with and claim anything: its spans are never server
   * spans (refused), never rolled up as requests, and carry pilothouse.origin=browser on
   * their resource whatever service they name.
   */
  origin: SpanOrigin;
  /** spans starting before this (unix ns) are refused: their partition is past retention */
  oldestStartNs: bigint;
  /** spans starting after this (unix ns) are refused: a clock far ahead */
  newestStartNs: bigint;
}

export interface Converted {
  rows: SpanRow[];
  rejected: number;
  /** distinct reasons, with how many spans each */
  reasons: Map<string, number>;
}

import { jsonValueProblem } from '../../db/text.ts';

type Bytes = string | Uint8Array | undefined;
type Obj = Record<string, any>;

function hexOf(v: Bytes): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v.toLowerCase() : Buffer.from(v).toString('hex');
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string' && v !== '') return BigInt(v);
  return 0n;
}

/** An AnyValue as plain JSON: 64-bit integers beyond 2^53 stay exact as decimal strings. */
export function anyValue(v: Obj | undefined): JsonValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    const n = BigInt(v.intValue);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
  }
  if (v.doubleValue !== undefined) {
    const d = typeof v.doubleValue === 'string' ? Number(v.doubleValue) : v.doubleValue;
    return Number.isFinite(d) ? d : String(d);
  }
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map((x: Obj) => anyValue(x));
  if (v.kvlistValue !== undefined) return keyValues(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return typeof v.bytesValue === 'string' ? v.bytesValue : Buffer.from(v.bytesValue).toString('base64');
  return null;
}

export function keyValues(list: Obj[] | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

/** Unix nanoseconds → ISO 8601 with microseconds, the precision of timestamptz. */
export function isoMicros(unixNano: bigint): string {
  const micros = unixNano / 1000n;
  const ms = micros / 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 23)}${(micros % 1000n).toString().padStart(3, '0')}Z`;
}

const ZERO16 = '0'.repeat(32);
const ZERO8 = '0'.repeat(16);

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
}

/** Why a span cannot be stored, or undefined when it can. */
function problem(s: Obj, traceId: string, spanId: string, parent: string, start: bigint, end: bigint, o: ConvertOptions): string | undefined {
  if (traceId.length !== 32 || traceId === ZERO16) return 'traceId must be 16 bytes and not all zero';
  if (spanId.length !== 16 || spanId === ZERO8) return 'spanId must be 8 bytes and not all zero';
  if (parent !== '' && parent.length !== 16) return 'parentSpanId must be empty or 8 bytes';
  const kind = s.kind ?? 0;
  if (!Number.isInteger(kind) || kind < 0 || kind >= SPAN_KINDS.length) return `kind must be 0 to ${SPAN_KINDS.length - 1}`;
  const code = s.status?.code ?? 0;
  if (!Number.isInteger(code) || code < 0 || code >= STATUS_CODES.length) return 'status.code must be 0, 1 or 2';
  if (start <= 0n) return 'startTimeUnixNano must be set';
  if (end < start) return 'endTimeUnixNano is before startTimeUnixNano';
  if (start < o.oldestStartNs) return 'span starts before the retention window';
  if (start > o.newestStartNs) return 'span starts more than an hour in the future';
  if (o.origin === 'browser' && kind === KIND_SERVER) return 'a browser sends no server spans (kind 2): browser telemetry never counts as a server\'s requests';
  return undefined;
}

function httpStatusOf(attrs: Record<string, JsonValue>): number | null {
  return num(attrs['http.response.status_code'] ?? attrs['http.status_code']);
}

function routeOf(kind: number, name: string, attrs: Record<string, JsonValue>): string | null {
  if (kind !== KIND_SERVER) return null;
  const route = attrs['http.route'];
  const method = attrs['http.request.method'] ?? attrs['http.method'];
  if (typeof route === 'string' && route !== '') return typeof method === 'string' && method !== '' ? `${method} ${route}` : route;
  return name;
}

/** Converts every span of a decoded ExportTraceServiceRequest. */
export function convertRequest(req: Obj, o: ConvertOptions): Converted {
  const out: Converted = { rows: [], rejected: 0, reasons: new Map() };
  for (const rs of req.resourceSpans ?? []) {
    const resource = keyValues(rs.resource?.attributes);
    if (o.origin === 'browser') resource['pilothouse.origin'] = 'browser';
    const service = typeof resource['service.name'] === 'string' && resource['service.name'] !== '' ? resource['service.name'] : 'unknown_service';
    const scopes: { scope?: Obj; spans?: Obj[] }[] = [
      ...(rs.scopeSpans ?? []).map((ss: Obj) => ({ scope: ss.scope, spans: ss.spans })),
      ...(rs.instrumentationLibrarySpans ?? []).map((ils: Obj) => ({ scope: ils.instrumentationLibrary, spans: ils.spans })),
    ];
    for (const ss of scopes) {
      const scopeAttrs = keyValues(ss.scope?.attributes);
      const scope = {
        name: ss.scope?.name ?? '',
        version: ss.scope?.version || null,
        ...(Object.keys(scopeAttrs).length ? { attributes: scopeAttrs } : {}),
      };
      for (const s of ss.spans ?? []) {
        const traceId = hexOf(s.traceId);
        const spanId = hexOf(s.spanId);
        const parent = hexOf(s.parentSpanId);
        const start = toBigInt(s.startTimeUnixNano);
        const end = toBigInt(s.endTimeUnixNano);
        const why = problem(s, traceId, spanId, parent, start, end, o);
        if (why) {
          out.rejected++;
          out.reasons.set(why, (out.reasons.get(why) ?? 0) + 1);
          continue;
        }
        const attributes = keyValues(s.attributes);
        const kind = s.kind ?? 0;
        const statusCode = s.status?.code ?? 0;
        const httpStatus = httpStatusOf(attributes);
        const name = s.name ?? '';
        const events = (s.events ?? []).map((e: Obj) => ({ timeUnixNano: toBigInt(e.timeUnixNano).toString(), name: e.name ?? '', attributes: keyValues(e.attributes) }));
        const links = (s.links ?? []).map((l: Obj) => ({ traceId: hexOf(l.traceId), spanId: hexOf(l.spanId), traceState: l.traceState || null, attributes: keyValues(l.attributes) }));
        const dropped = {
          ...(s.droppedAttributesCount ? { attributes: Number(s.droppedAttributesCount) } : {}),
          ...(s.droppedEventsCount ? { events: Number(s.droppedEventsCount) } : {}),
          ...(s.droppedLinksCount ? { links: Number(s.droppedLinksCount) } : {}),
        };
        const statusMessage = s.status?.message || null;
        const traceState = s.traceState || null;
        // Protobuf strings reach here unchecked by any JSON guard: what PostgreSQL cannot store is refused per span.
        const bad = jsonValueProblem([service, name, statusMessage, traceState, attributes, resource, scope, events, links], 1_000);
        if (bad) {
          const why = `a name, attribute or status ${bad}`;
          out.rejected++;
          out.reasons.set(why, (out.reasons.get(why) ?? 0) + 1);
          continue;
        }
        out.rows.push({
          tenantId: o.tenantId,
          traceId,
          spanId,
          parentSpanId: parent === '' || parent === ZERO8 ? null : parent,
          startTime: isoMicros(start),
          startUnixNano: start,
          durationNs: end - start,
          service,
          name,
          kind,
          statusCode,
          statusMessage,
          route: o.origin === 'server' ? routeOf(kind, name, attributes) : null,
          httpStatus,
          isError: statusCode === STATUS_ERROR || (httpStatus !== null && httpStatus >= 500),
          traceState,
          flags: s.flags ? Number(s.flags) : null,
          attributes,
          resource,
          scope,
          events: events.length ? events : null,
          links: links.length ? links : null,
          dropped: Object.keys(dropped).length ? dropped : null,
        });
      }
    }
  }
  return out;
}

/** The partial-success message: what was rejected and why, most frequent reason first. */
export function rejectionMessage(c: Converted): string {
  return [...c.reasons].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${n} span${n === 1 ? '' : 's'}: ${why}`).join('; ');
}
