// OTLP/HTTP trace receiver: POST /v1/traces in the JSON or protobuf encoding, gzip or not.
// Spans belong to the tenant of the sender's ingest token, or to the platform for a platform
// caller (Pilothouse's own exporter). Answers follow the OTLP specification: 200 with a
// partial success naming the rejected spans, 400 for a body that cannot be decoded (nothing
// is stored), errors in the request's own encoding, 503 with Retry-After when the database
// cannot take the batch now (the exporters retry it).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { Type } from 'typebox';
import { BodyError, decodeBody, encodingOf, inflate } from '../../collectors/otlp/decode.ts';
import { ingestTraces } from '../../collectors/otlp/ingest.ts';
import { encodeStatus, encodeTraceResponse } from '../../collectors/otlp/proto.ts';
import { applyTelemetryRetention } from '../../collectors/retention.ts';
import { errors } from '../schemas.ts';
import { createForwarder, ForwardError, parseHeaders } from '../../collectors/otlp/forward.ts';
import { clientErrorOf } from '../pg-errors.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { decodeBounded } from '../decode-queue.ts';

/** Largest body on the wire, and once inflated. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

const CONTENT_TYPES = ['application/json', 'application/x-protobuf', 'application/protobuf'];

// google.rpc.Code for each HTTP status this route answers with.
const RPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 413: 8, 415: 3, 503: 14 };

/** Database failures that pass: the batch is not stored, and a retry may succeed. */
function transient(err: Error & { code?: string }): boolean {
  return ['40001', '40P01', '53300', '57P01', '57P03', '08000', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET'].includes(err.code ?? '')
    || /timeout exceeded when trying to connect|Connection terminated/.test(err.message);
}

const PartialSuccess = Type.Object({
  partialSuccess: Type.Optional(Type.Object({
    rejectedSpans: Type.String({ description: 'spans not stored (int64 as a decimal string, per the JSON mapping)' }),
    errorMessage: Type.String({ description: 'why, per reason: "2 spans: traceId must be 16 bytes…"' }),
  })),
}, { description: 'ExportTraceServiceResponse; empty when every span was accepted' });

export default async function otlp(app: FastifyInstance) {
  const spans = new Counter({
    name: 'pilothouse_otlp_spans_total',
    help: 'Spans received on /v1/traces, by outcome: stored, duplicate (already stored) or rejected',
    labelNames: ['outcome'],
    registers: [app.metrics],
  });

  // Retention where the server listens (app.inject tests leave it alone): at start, then
  // hourly. Idempotent, so every replica may run it.
  let retention: NodeJS.Timeout | undefined;
  app.addHook('onListen', async () => {
    const run = () => applyTelemetryRetention(app.db, app.config.TELEMETRY_RETENTION_DAYS)
      .then(({ dropped }) => dropped.length && app.log.info({ dropped }, 'telemetry retention dropped partitions'))
      .catch((err) => app.log.warn({ err }, 'telemetry retention failed; the next run retries'));
    void run();
    retention = setInterval(run, 3_600_000).unref();
  });
  app.addHook('onClose', async () => clearInterval(retention));

  const forwarder = app.config.OTLP_FORWARD_ENDPOINT
    ? createForwarder(app.config.OTLP_FORWARD_ENDPOINT, parseHeaders(app.config.OTLP_FORWARD_HEADERS)) : undefined;

  // This plugin's own parsers: the raw bytes, decoded only after inflating.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CONTENT_TYPES, { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(new BodyError(415, `Content-Type "${req.headers['content-type'] ?? ''}" is not OTLP/HTTP: send application/json or application/x-protobuf`), undefined);
  });

  const isProtobuf = (req: FastifyRequest) => encodingOf(req.headers['content-type']) === 'protobuf';

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply: FastifyReply) => {
    let status = err.statusCode ?? 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the body is too large: at most ${MAX_BODY_BYTES} bytes per request; send smaller batches`;
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_BODY') status = 400;
    const fromDb = clientErrorOf(err);
    if (err instanceof ForwardError) {
      req.log.warn({ err }, 'span batch stored but not forwarded; the sender will retry');
      status = 503;
      message = `${err.message}: retry later`;
      reply.header('retry-after', '5');
    } else if (fromDb) {
      status = fromDb.status;
      message = fromDb.message;
    } else if (status >= 500) {
      if (transient(err)) {
        req.log.warn({ err }, 'span batch not stored; the sender will retry');
        status = 503;
        message = 'the span store is unavailable right now: retry later';
        reply.header('retry-after', '5');
      } else {
        req.log.error({ err }, 'span ingest failed');
        message = `internal error; quote request id ${req.id} when reporting it`;
      }
    }
    reply.code(status);
    if (isProtobuf(req)) return reply.type('application/x-protobuf').send(Buffer.from(encodeStatus(RPC_CODES[status] ?? 13, message)));
    return reply.send({ statusCode: status, error: status === 503 ? 'Service Unavailable' : status >= 500 ? 'Internal Server Error' : status === 413 ? 'Payload Too Large' : status === 415 ? 'Unsupported Media Type' : 'Bad Request', message, code: RPC_CODES[status] ?? 13 });
  });

  app.post('/v1/traces', {
    bodyLimit: MAX_BODY_BYTES,
    config: { auth: { permission: 'telemetry:ingest', tenant: 'own', platform: 'allowed' } },
    schema: {
      tags: ['telemetry'],
      summary: 'OTLP/HTTP trace export (JSON or protobuf, optionally gzip)',
      description: 'Send an ingest token of a tenant (or a platform token) as a bearer token. Duplicates of stored spans are absorbed; spans that cannot be stored are counted in partialSuccess.',
      response: { 200: PartialSuccess, ...errors(400, 401, 403, 413, 415, 503) },
    },
  }, async (req, reply) => {
    const encoding = encodingOf(req.headers['content-type']);
    if (!encoding || !Buffer.isBuffer(req.body)) throw new BodyError(400, 'the body is empty: send an ExportTraceServiceRequest');
    const raw = req.body;
    const request = await decodeBounded(async () => {
      const body = await inflate(raw, req.headers['content-encoding'], MAX_INFLATED_BYTES);
      await nextTurn();
      return decodeBody(body, encoding);
    });
    const result = await ingestTraces(app.db, request, { tenantId: req.tenantId, origin: 'server', retentionDays: app.config.TELEMETRY_RETENTION_DAYS, storage: app.config.SPAN_STORAGE });
    // After the commit: a failed forward is retried by the sender, and its repeat absorbed.
    if (forwarder && result.stored + result.duplicates > 0) {
      await forwarder.forward(req.body, { contentType: String(req.headers['content-type']), contentEncoding: req.headers['content-encoding'], tenantId: req.tenantId });
    }
    spans.inc({ outcome: 'stored' }, result.stored);
    spans.inc({ outcome: 'duplicate' }, result.duplicates);
    spans.inc({ outcome: 'rejected' }, result.rejected);
    const partial = result.rejected > 0 ? { rejectedSpans: result.rejected, errorMessage: result.message } : undefined;
    if (encoding === 'protobuf') return reply.type('application/x-protobuf').send(Buffer.from(encodeTraceResponse(partial)));
    return reply.send(partial ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {});
  });
}
