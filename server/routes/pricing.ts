// The meter and price catalogues, and closing a month (platform administration).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AGGREGATIONS, createMeter, listMeters } from '../../collectors/usage/meters.ts';
import { PriceCatalog } from '../../collectors/cost/catalog.ts';
import { addCatalog, listCatalogs } from '../../collectors/cost/catalog-store.ts';
import { closeMonth } from '../../collectors/usage/close.ts';
import { NotAReaderError, actorOf, hasPermission, readsReferenceData } from '../auth/principal.ts';
import { DateTime, Uuid, errors, literals } from '../schemas.ts';

const Meter = Type.Object({
  name: Type.String(), unit: Type.String(), aggregation: literals(AGGREGATIONS), dimensions: Type.Array(Type.String()),
  uniqueBy: Type.Union([Type.String(), Type.Null()]), description: Type.String(), builtin: Type.Boolean(),
  marksActivity: Type.Boolean({ description: 'its events keep their subject workspace from being reaped as idle' }),
});
const NewMeter = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$', maxLength: 100, description: 'dotted lowercase, such as gpu.seconds' }),
  unit: Type.String({ minLength: 1, maxLength: 40 }),
  aggregation: literals(AGGREGATIONS),
  dimensions: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 50 }), { maxItems: 10, uniqueItems: true })),
  uniqueBy: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 50, description: 'for unique_count: the data field whose distinct values are counted' })),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  marksActivity: Type.Optional(Type.Boolean({ description: 'its events show an agent at work in the subject workspace, which keeps the idle reaper away (default false)' })),
}, { additionalProperties: false });

const StoredCatalog = Type.Object({ id: Uuid, version: Type.String(), effectiveFrom: DateTime, createdAt: DateTime, createdBy: Type.Union([Type.String(), Type.Null()]), document: PriceCatalog });
const CloseBody = Type.Object({ period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' }) }, { additionalProperties: false });
const CloseResponse = Type.Array(Type.Object({ period: Type.String(), closed: Type.Boolean(), tenants: Type.Integer() }));

export default async function pricing(app: FastifyInstance) {
  app.get('/api/v1/meters', {
    config: { auth: { authenticated: true } },
    schema: { tags: ['usage'], summary: 'Meters that usage events may name', response: { 200: Type.Array(Meter) } },
  }, async () => listMeters(app.db));

  app.post<{ Body: Static<typeof NewMeter> }>('/api/v1/meters', {
    config: { auth: { permission: 'meters:write' } },
    schema: { tags: ['usage'], summary: 'Define a meter', body: NewMeter, response: { 201: Meter, ...errors(400, 409) } },
  }, async (req, reply) => {
    const b = req.body;
    if ((b.aggregation === 'unique_count') !== (b.uniqueBy !== undefined)) {
      throw Object.assign(new Error('uniqueBy is required for unique_count meters and only for them'), { statusCode: 400 });
    }
    return reply.code(201).send(await createMeter(app.db, b));
  });

  app.get('/api/v1/price-catalogs', {
    config: { auth: { authenticated: true } },
    schema: { tags: ['pricing'], summary: 'Price catalogue versions, oldest first', response: { 200: Type.Array(StoredCatalog) } },
  }, async (req) => {
    const p = req.principal!;
    if (!readsReferenceData(p)) throw new NotAReaderError();
    // Who added a version (a file path, a token or user id) is the platform's to know.
    const all = await listCatalogs(app.db);
    return hasPermission(p, 'tenants:list') ? all : all.map((c) => ({ ...c, createdBy: null }));
  });

  app.post<{ Body: Static<typeof PriceCatalog> }>('/api/v1/price-catalogs', {
    config: { auth: { permission: 'prices:write' } },
    schema: {
      tags: ['pricing'], summary: 'Add a price catalogue version, in force from its effective date',
      description: 'Versions are immutable. An effective date inside a closed month is refused: closed months keep their prices.',
      body: PriceCatalog, response: { 201: StoredCatalog, ...errors(400, 409) },
    },
  }, async (req, reply) => reply.code(201).send(await addCatalog(app.db, req.body, actorOf(req.principal!))));

  app.post<{ Body: Static<typeof CloseBody> }>('/api/v1/usage/close', {
    config: { auth: { permission: 'billing:write' } },
    schema: {
      tags: ['usage'], summary: 'Close a month (and any earlier open one) into immutable tenant reports',
      description: 'Normally done by the scheduled job once the grace period has passed; repeating it changes nothing.',
      body: CloseBody, response: { 200: CloseResponse, ...errors(400, 409) },
    },
  }, async (req) => closeMonth(app.db, req.body.period));
}
