// Usage ingestion: CloudEvents in (single, batch, or HTTP binary mode), counts out, answered
// only after commit. The tenant is the one of the caller's ingest token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { BATCH, MAX_BATCH_EVENTS, MAX_BODY_BYTES, SINGLE, fromBinaryMode } from '../../collectors/usage/cloudevent.ts';
import { InFlightLimit } from '../../collectors/usage/admission.ts';
import { cancelEvent } from '../../collectors/usage/corrections.ts';
import { IngestResult, ingestEvents } from '../../collectors/usage/ingest.ts';
import { createUsageMetrics } from '../../collectors/usage/metrics.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, ErrorResponse, errors } from '../schemas.ts';

const RejectedEvent = Type.Object({ ...ErrorResponse.properties, ...Type.Partial(IngestResult).properties });

const CancelBody = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 500 }),
  id: Type.String({ minLength: 1, maxLength: 200 }),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
const CancelResponse = Type.Object({
  source: Type.String(), id: Type.String(), meter: Type.String(), eventTime: DateTime, cancelledAt: DateTime, alreadyCancelled: Type.Boolean(),
});

declare module 'fastify' {
  interface FastifyRequest {
    usageAdmitted?: boolean;
    usageHandling?: boolean;
  }
}

export default async function usageEvents(app: FastifyInstance) {
  const metrics = createUsageMetrics(app.metrics);
  const limit = new InFlightLimit(app.config.USAGE_MAX_IN_FLIGHT);
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser([SINGLE, BATCH], { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, json);

  const release = (req: FastifyRequest) => {
    if (!req.usageAdmitted) return;
    req.usageAdmitted = false;
    limit.release();
    metrics.inFlight.set(limit.inFlight);
  };

  // Shed load before reading the body: a refused request costs almost nothing.
  const admit = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!limit.tryAcquire()) {
      metrics.overloaded();
      return reply.code(429).header('retry-after', '1').send({ statusCode: 429, error: 'Too Many Requests', message: 'usage ingestion is at capacity: retry the same batch after the Retry-After delay (replays are absorbed)' });
    }
    req.usageAdmitted = true;
    metrics.inFlight.set(limit.inFlight);
  };

  app.post('/api/v1/events', {
    config: { auth: { permission: 'usage:ingest', tenant: 'own' } },
    bodyLimit: MAX_BODY_BYTES,
    onRequest: admit,
    onResponse: async (req) => release(req),
    onRequestAbort: async (req) => {
      if (!req.usageHandling) release(req);
    },
    schema: {
      tags: ['usage'],
      summary: 'Ingest usage events (CloudEvents 1.0)',
      description: `One event as ${SINGLE}, up to ${MAX_BATCH_EVENTS} as ${BATCH} (1 MiB at most), or one event in HTTP binary mode (ce-* headers, JSON data). `
        + 'The event type names the meter, data.quantity is the amount, the other data fields are dimensions, subject is a workspace id. '
        + 'The tenant is the one of the ingest token. A replay (same source and id) is absorbed as a duplicate. Answered after commit.',
      response: { 200: IngestResult, 400: RejectedEvent, ...errors(401, 403, 413, 415, 429) },
    },
  }, async (req, reply) => {
    req.usageHandling = true;
    try {
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
      const result = await ingestEvents(app.db, req.tenantId!, events, { observe: metrics.observe });
      if (single && result.rejected === 1) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: result.rejections[0]!.message, ...result });
      }
      return result;
    } finally {
      release(req);
    }
  });

  app.post<{ Body: Static<typeof CancelBody> }>('/api/v1/events/cancellations', {
    config: { auth: { permission: 'usage:ingest', tenant: 'own' } },
    schema: {
      tags: ['usage'],
      summary: 'Cancel a usage event by source and id, within 24 hours of its receipt',
      description: 'The event stops counting in every rollup and report; the row itself stays. Repeating a cancellation is harmless.',
      body: CancelBody,
      response: { 200: CancelResponse, ...errors(400, 404, 409) },
    },
  }, async (req) => cancelEvent(app.db, req.tenantId!, { ...req.body, actor: actorOf(req.principal!) }));
}
