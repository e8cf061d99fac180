// The trace explorer's API: request search, one trace's spans, and per-route request rates
// and latency from the rollups (the chart whose slow points lead to traces). Platform routes
// see every tenant and the platform's own spans (narrowed with ?tenant=); tenant routes only
// their tenant's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { getTrace, searchTraces } from '../../collectors/otlp/query.ts';
import { quantileMs } from '../../collectors/requests/buckets.ts';
import { ALL_TENANTS, listRoutes, requestSeries } from '../../collectors/requests/store.ts';
import { NotFoundError } from '../../tenancy/errors.ts';
import { DateTime, errors, Nullable, TenantParams, Uuid } from '../schemas.ts';
import { windowOf } from './frontend.ts';

const TenantFilter = Type.Optional(Type.Union([Type.Literal('platform'), Uuid], { description: '"platform" for Pilothouse\'s own spans, or a tenant id; default: all' }));
const Window = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'default: an hour before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
};

const SearchQuery = Type.Object({
  ...Window,
  service: Type.Optional(Type.String({ maxLength: 200 })),
  route: Type.Optional(Type.String({ maxLength: 500, description: 'as in the rollups ("GET /api/v1/me"), or a span name' })),
  status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error')])),
  minDurationMs: Type.Optional(Type.Number({ minimum: 0 })),
  maxDurationMs: Type.Optional(Type.Number({ minimum: 0 })),
  workspace: Type.Optional(Uuid),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  tenant: TenantFilter,
}, { additionalProperties: false });

const SeriesQuery = Type.Object({
  ...Window,
  service: Type.Optional(Type.String({ maxLength: 200 })),
  route: Type.Optional(Type.String({ maxLength: 500 })),
  stepMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 1 }),
  tenant: TenantFilter,
}, { additionalProperties: false });

const RoutesQuery = Type.Object({ ...Window, tenant: TenantFilter }, { additionalProperties: false });


const TraceHit = Type.Object({
  tenantId: Nullable(Uuid), traceId: Type.String(), spanId: Type.String(), service: Type.String(), name: Type.String(),
  route: Nullable(Type.String()), start: DateTime, durationMs: Type.Number(), isError: Type.Boolean(), httpStatus: Nullable(Type.Integer()),
  workspaceId: Nullable(Uuid),
});
const TraceSpan = Type.Object({
  tenantId: Nullable(Uuid), spanId: Type.String(), parentSpanId: Nullable(Type.String()), service: Type.String(), name: Type.String(),
  kind: Type.Integer(), startUnixNano: Type.String(), offsetMs: Type.Number(), durationMs: Type.Number(), statusCode: Type.Integer(),
  statusMessage: Nullable(Type.String()), isError: Type.Boolean(), httpStatus: Nullable(Type.Integer()), route: Nullable(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()), resource: Type.Record(Type.String(), Type.Unknown()),
  events: Nullable(Type.Array(Type.Unknown())), links: Nullable(Type.Array(Type.Unknown())),
});
const SeriesPoint = Type.Object({
  t: DateTime, requests: Type.Number(), errors: Type.Number(),
  maxMs: Nullable(Type.Number({ description: 'the slowest request of the step; no quantile is above it' })),
  p50Ms: Nullable(Type.Number()), p95Ms: Nullable(Type.Number()), p99Ms: Nullable(Type.Number()),
  buckets: Type.Array(Type.Number(), { description: 'non-cumulative counts per latency bucket (collectors/requests/buckets.ts), +Inf last' }),
});
const RouteRow = Type.Object({ service: Type.String(), route: Type.String(), requests: Type.Number(), errors: Type.Number() });

/** The tenants a request may read: its URL's tenant, or (platform routes) the ?tenant= filter. */
function scopeOf(req: FastifyRequest): string | null | typeof ALL_TENANTS {
  const { tenantId } = req.params as { tenantId?: string };
  if (tenantId) return tenantId;
  const tenant = (req.query as { tenant?: string }).tenant;
  return tenant === undefined ? ALL_TENANTS : tenant === 'platform' ? null : tenant;
}

export default async function traces(app: FastifyInstance) {
  for (const prefix of ['/api/v1', '/api/v1/tenants/:tenantId'] as const) {
    const params = prefix.includes(':tenantId') ? TenantParams : Type.Object({});
    const auth = { permission: 'telemetry:read' } as const;
    const query = <T extends object>(req: FastifyRequest) => req.query as T;

    app.get(`${prefix}/traces`, {
      config: { auth },
      schema: { tags: ['telemetry'], summary: 'Search requests (server and root spans), newest first', params, querystring: SearchQuery, response: { 200: Type.Array(TraceHit), ...errors(400, 401, 403, 404) } },
    }, async (req) => {
      const q = query<Static<typeof SearchQuery>>(req);
      return searchTraces(app.db, { ...q, ...windowOf(q, 1), tenantId: scopeOf(req) });
    });

    app.get(`${prefix}/traces/:traceId`, {
      config: { auth },
      schema: {
        tags: ['telemetry'], summary: 'One trace\'s spans, by start time',
        params: Type.Object({ ...params.properties, traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: '32 hex characters' }) }),
        querystring: Type.Object({ tenant: TenantFilter }, { additionalProperties: false }),
        response: { 200: Type.Object({ traceId: Type.String(), spans: Type.Array(TraceSpan) }), ...errors(400, 401, 403, 404) },
      },
    }, async (req) => {
      const { traceId } = req.params as { traceId: string };
      const spans = await getTrace(app.db, traceId, { tenantId: scopeOf(req) });
      if (spans.length === 0) throw new NotFoundError(`trace ${traceId} not found (or past retention)`);
      return { traceId: traceId.toLowerCase(), spans };
    });

    app.get(`${prefix}/requests/routes`, {
      config: { auth },
      schema: { tags: ['telemetry'], summary: 'Services and routes with requests in a window, busiest first', params, querystring: RoutesQuery, response: { 200: Type.Array(RouteRow), ...errors(400, 401, 403, 404) } },
    }, async (req) => listRoutes(app.db, { tenantId: scopeOf(req), ...windowOf(query<Static<typeof RoutesQuery>>(req), 24) }));

    app.get(`${prefix}/requests/series`, {
      config: { auth },
      schema: { tags: ['telemetry'], summary: 'Requests, errors and latency quantiles per step, from the rollups', params, querystring: SeriesQuery, response: { 200: Type.Array(SeriesPoint), ...errors(400, 401, 403, 404) } },
    }, async (req) => {
      const q = query<Static<typeof SeriesQuery>>(req);
      const points = await requestSeries(app.db, { tenantId: scopeOf(req), service: q.service, route: q.route, ...windowOf(q, 1), stepMinutes: q.stepMinutes });
      return points.map((p) => ({
        t: p.t, requests: p.requests, errors: p.errors, buckets: p.buckets, maxMs: p.maxMs,
        p50Ms: quantileMs(p.buckets, 0.5, p.maxMs), p95Ms: quantileMs(p.buckets, 0.95, p.maxMs), p99Ms: quantileMs(p.buckets, 0.99, p.maxMs),
      }));
    });
  }
}
