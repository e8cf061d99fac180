// Browser telemetry reads and Faro apps: the console's own reporting settings (public: its
// key ships to every browser anyway), apps per tenant, web vitals percentiles per page over
// time, recent exceptions. Platform routes see every app; tenant routes only their own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { consoleApp, createRumApp, getRumApp, listRumApps, type RumApp } from '../../collectors/faro/apps.ts';
import { recentExceptions, vitalPercentiles } from '../../collectors/faro/store.ts';
import { DateTime, TenantParams, Uuid, errors } from '../schemas.ts';

const RumAppSchema = Type.Object({
  id: Uuid,
  tenantId: Type.Union([Uuid, Type.Null()]),
  name: Type.String(),
  apiKey: Type.String({ description: 'the key Faro sends as x-api-key; public by nature (it ships in the app)' }),
  allowedOrigins: Type.Array(Type.String()),
  createdAt: DateTime,
});

const NewRumApp = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  allowedOrigins: Type.Optional(Type.Array(Type.String({ pattern: '^(\\*|https?://[^/\\s]+)$', description: 'an origin such as https://app.example.com, or * for any' }), { maxItems: 50 })),
}, { additionalProperties: false });

const Window = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'default: 24 hours before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
});
const VitalsQuery = Type.Object({
  ...Window.properties,
  page: Type.Optional(Type.String({ maxLength: 500 })),
  stepMinutes: Type.Integer({ minimum: 1, maximum: 44640, default: 60, description: 'minutes per step; as long as the window for one value per page' }),
}, { additionalProperties: false });
const ExceptionsQuery = Type.Object({ ...Window.properties, limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false });

const VitalPoint = Type.Object({ page: Type.String(), vital: Type.String(), t: DateTime, count: Type.Integer(), p50: Type.Number(), p75: Type.Number(), p95: Type.Number() });
const ExceptionRow = Type.Object({
  at: DateTime, type: Type.String(), message: Type.Union([Type.String(), Type.Null()]), page: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.String(), Type.Null()]), traceId: Type.Union([Type.String(), Type.Null()]), stacktrace: Type.Unknown(),
});

/** A requested window, checked: `from` before `to`, at most 31 days. */
export function windowOf(q: { from?: string; to?: string }, defaultHours = 24): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - defaultHours * 3_600_000);
  if (!(from < to)) throw Object.assign(new Error('from must be before to'), { statusCode: 400 });
  if (to.getTime() - from.getTime() > 31 * 86_400_000) throw Object.assign(new Error('the window is at most 31 days: narrow from and to'), { statusCode: 400 });
  return { from, to };
}

const toJson = (a: RumApp) => ({ ...a, createdAt: a.createdAt.toISOString() });

export default async function frontend(app: FastifyInstance) {
  app.get('/api/v1/rum/console', {
    config: { auth: { public: true } },
    schema: {
      tags: ['telemetry'], summary: 'Where the console reports its own web vitals and errors',
      response: { 200: Type.Object({ collectUrl: Type.String(), apiKey: Type.String(), app: Type.String() }) },
    },
  }, async () => {
    const a = await consoleApp(app.db);
    return { collectUrl: '/collect', apiKey: a.apiKey, app: a.name };
  });

  // Scope: a tenant route's :tenantId, or undefined on platform routes (every app).
  const scope = (req: FastifyRequest) => ((req.params as { tenantId?: string }).tenantId);

  for (const prefix of ['/api/v1', '/api/v1/tenants/:tenantId'] as const) {
    const tenantRoute = prefix.includes(':tenantId');
    const params = tenantRoute ? TenantParams : Type.Object({});
    const appParams = Type.Object({ ...params.properties, appId: Uuid });

    app.get(`${prefix}/rum/apps`, {
      config: { auth: { permission: 'telemetry:read' } },
      schema: { tags: ['telemetry'], summary: 'Browser apps reporting through Faro', params, response: { 200: Type.Array(RumAppSchema), ...errors(401, 403, 404) } },
    }, async (req) => (await listRumApps(app.db, scope(req))).map(toJson));

    app.get(`${prefix}/rum/apps/:appId/vitals`, {
      config: { auth: { permission: 'telemetry:read' } },
      schema: { tags: ['telemetry'], summary: 'Web vitals percentiles per page and time step', params: appParams, querystring: VitalsQuery, response: { 200: Type.Array(VitalPoint), ...errors(400, 401, 403, 404) } },
    }, async (req) => {
      const q = req.query as Static<typeof VitalsQuery>;
      const rumApp = await getRumApp(app.db, (req.params as { appId: string }).appId, scope(req));
      return vitalPercentiles(app.db, { appId: rumApp.id, ...windowOf(q), stepMinutes: q.stepMinutes, page: q.page });
    });

    app.get(`${prefix}/rum/apps/:appId/exceptions`, {
      config: { auth: { permission: 'telemetry:read' } },
      schema: { tags: ['telemetry'], summary: 'Recent exceptions, newest first', params: appParams, querystring: ExceptionsQuery, response: { 200: Type.Array(ExceptionRow), ...errors(400, 401, 403, 404) } },
    }, async (req) => {
      const q = req.query as Static<typeof ExceptionsQuery>;
      const rumApp = await getRumApp(app.db, (req.params as { appId: string }).appId, scope(req));
      return recentExceptions(app.db, { appId: rumApp.id, ...windowOf(q), limit: q.limit });
    });
  }

  app.post('/api/v1/tenants/:tenantId/rum/apps', {
    config: { auth: { permission: 'telemetry:write' } },
    schema: { tags: ['telemetry'], summary: 'Register a browser app; its API key goes into the app\'s Faro configuration', params: TenantParams, body: NewRumApp, response: { 201: RumAppSchema, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => {
    const body = req.body as Static<typeof NewRumApp>;
    const created = await createRumApp(app.db, { tenantId: (req.params as { tenantId: string }).tenantId, name: body.name.trim(), allowedOrigins: body.allowedOrigins });
    return reply.code(201).send(toJson(created));
  });
}
