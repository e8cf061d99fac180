// Usage ingestion: CloudEvents in (single, batch, or HTTP binary mode), counts out, answered
// only after commit. Billable usage comes only from the platform's own collectors (platform
// `collector` tokens), which name the tenant in the URL; no credential a tenant can mint
// holds usage:ingest (see the README's Access section).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { BATCH, MAX_BATCH_EVENTS, MAX_BODY_BYTES, SINGLE, fromBinaryMode } from '../../collectors/usage/cloudevent.ts';
import { InFlightLimit } from '../../collectors/usage/in-flight.ts';
import { cancelEvent } from '../../collectors/usage/corrections.ts';
import { IngestResult, ingestEvents } from '../../collectors/usage/ingest.ts';
import { createUsageMetrics } from '../../collectors/usage/metrics.ts';
import { actorOf } from '../auth/principal.ts';
import { guardJsonParser } from '../plugins/input-guard.ts';
import { DateTime, ErrorResponse, TenantParams, errors } from '../schemas.ts';

const RejectedEvent = Type.Object({ ...ErrorResponse.properties, ...Type.Partial(IngestResult).properties });

const CancelBody = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 500 }),
  id: Type.String({ minLength: 1, maxLength: 200 }),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
const CancelResponse = Type.Object({
  source: Type.String(), id: Type.String(), meter: Type.String(), eventTime: DateTime, cancelledAt: DateTime, alreadyCancelled: Type.Boolean(),
});

export default async function usageEvents(app: FastifyInstance) {
  const metrics = createUsageMetrics(app.metrics);
  const limit = new InFlightLimit(app.config.USAGE_MAX_IN_FLIGHT, (n) => metrics.inFlight.set(n));
  app.addContentTypeParser([SINGLE, BATCH], { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, guardJsonParser(app.getDefaultJsonParser('error', 'error')));

  // A collector may name any tenant: one that does not exist is a 404, not a new meter.
  // Tenants are rarely deleted, so a known id is trusted for a few seconds.
  const known = new Map<string, number>();
  const tenantExists = async (id: string) => {
    if ((known.get(id) ?? 0) > Date.now()) return true;
    const { rowCount } = await app.db.query('SELECT 1 FROM tenants WHERE id = $1', [id]);
    if (!rowCount) return false;
    if (known.size > 10_000) known.clear();
    known.set(id, Date.now() + 10_000);
    return true;
  };
  const notFound = (id: string) => Object.assign(new Error(`tenant ${id} not found`), { statusCode: 404 });

  // Shed load before reading the body: a refused request costs almost nothing. The slot is
  // the exchange's until its response closes, however it ends (see in-flight.ts).
  const admit = async (_req: FastifyRequest, reply: FastifyReply) => {
    const held = limit.holdFor(reply.raw);
    if (held === 'gone') return;
    if (held === 'full') {
      metrics.overloaded();
      return reply.code(429).header('retry-after', '1').send({ statusCode: 429, error: 'Too Many Requests', message: 'usage ingestion is at capacity: retry the same batch after the Retry-After delay (replays are absorbed)' });
    }
  };

  app.post<{ Params: Static<typeof TenantParams> }>('/api/v1/tenants/:tenantId/events', {
    config: { auth: { permission: 'usage:ingest' } },
    bodyLimit: MAX_BODY_BYTES,
    onRequest: admit,
    schema: {
      params: TenantParams,
      tags: ['usage'],
      summary: 'Ingest usage events (CloudEvents 1.0)',
      description: `One event as ${SINGLE}, up to ${MAX_BATCH_EVENTS} as ${BATCH} (1 MiB at most), or one event in HTTP binary mode (ce-* headers, JSON data). `
        + 'The event type names the meter, data.quantity is the amount, the other data fields are dimensions, subject is a workspace id. '
        + 'A negative quantity is a correction and names the event it corrects in the corrects attribute. '
        + 'Only platform collector tokens may send usage. A replay (same source and id) is absorbed as a duplicate. Answered after commit.',
      response: { 200: IngestResult, 400: RejectedEvent, ...errors(401, 403, 404, 413, 415, 429) },
    },
  }, async (req, reply) => {
    if (!(await tenantExists(req.params.tenantId))) throw notFound(req.params.tenantId);
    {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      let events: unknown[];
      let single = true;
      if (type === BATCH) {
        if (!Array.isArray(req.body)) throw Object.assign(new Error(`a ${BATCH} body must be a JSON array of events`), { statusCode: 400 });
        if (req.body.length > MAX_BATCH_EVENTS) {
          throw Object.assign(new Error(`batch of ${req.body.length} events is too large: send at most ${MAX_BATCH_EVENTS} per request`), { statusCode: 413 });
        }
        events = req.body;
        single = false;
      } else if (type === SINGLE) {
        events = [req.body];
      } else if (req.headers['ce-specversion'] !== undefined) {
        events = [fromBinaryMode(req.headers, req.body)];
      } else {
        throw Object.assign(new Error(`send usage as CloudEvents: content type ${SINGLE} (one event), ${BATCH} (a JSON array), or binary mode with ce-specversion, ce-id, ce-source and ce-type headers`), { statusCode: 400 });
      }
      const result = await ingestEvents(app.db, req.params.tenantId, events, { observe: metrics.observe });
      if (single && result.rejected === 1) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: result.rejections[0]!.message, ...result });
      }
      return result;
    }
  });

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof CancelBody> }>('/api/v1/tenants/:tenantId/events/cancellations', {
    config: { auth: { permission: 'usage:ingest' } },
    schema: {
      params: TenantParams,
      tags: ['usage'],
      summary: 'Cancel a usage event by source and id, within 24 hours of its receipt',
      description: 'The event stops counting in every rollup and report; the row itself stays. Repeating a cancellation is harmless.',
      body: CancelBody,
      response: { 200: CancelResponse, ...errors(400, 404, 409) },
    },
  }, async (req) => {
    if (!(await tenantExists(req.params.tenantId))) throw notFound(req.params.tenantId);
    return cancelEvent(app.db, req.params.tenantId, { ...req.body, actor: actorOf(req.principal!) });
  });
}
