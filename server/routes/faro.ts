// The Faro receiver: POST /collect as @grafana/faro-web-sdk sends it and Grafana Alloy's
// faro.receiver answers it (202 "ok", 5 MiB payloads, 50 requests/s with bursts of 100,
// the API key in x-api-key), with CORS for pages on other origins. The key may also be the
// last path segment (/collect/KEY), as hosted Faro collectors take it. Batches are stored
// once per Idempotency-Key; their traces go to the span store of the app's tenant.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Ajv, type ErrorObject } from 'ajv';
import { Counter } from 'prom-client';
import { appByKey, originAllowed, type RumApp } from '../../collectors/faro/apps.ts';
import { toRumEvents } from '../../collectors/faro/events.ts';
import { AppRateLimit } from '../../collectors/faro/rate-limit.ts';
import { FaroPayload, type FaroPayloadT } from '../../collectors/faro/schema.ts';
import { storeRumBatch } from '../../collectors/faro/store.ts';
import { BodyError, checkOtlpJson, inflate } from '../../collectors/otlp/decode.ts';
import { parseJsonBody } from '../plugins/input-guard.ts';
import { clientErrorOf } from '../pg-errors.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { decodeBounded } from '../decode-queue.ts';
import { ingestTraces } from '../../collectors/otlp/ingest.ts';
import { retentionStart } from '../../collectors/partitions.ts';

export const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;
// Inflated, a batch may be as large as a plain one: the SDK does not compress, and a bound on
// what is parsed bounds how long one batch holds the event loop.
const MAX_INFLATED_BYTES = MAX_PAYLOAD_BYTES;
const ALLOWED_HEADERS = 'content-type, content-encoding, x-api-key, x-faro-session-id, idempotency-key';
/** How long an API key lookup is trusted: a flood of batches should not each cost a query. */
const KEY_CACHE_MS = 30_000;

const ajv = new Ajv({ strict: false, coerceTypes: false });
const checkPayload = ajv.compile(FaroPayload as object);

function describe(e: ErrorObject): string {
  const where = `body${e.instancePath.replaceAll('/', '.')}`;
  if (e.keyword === 'required') return `${where} is missing the required field "${(e.params as { missingProperty: string }).missingProperty}"`;
  return `${where} ${e.message ?? 'is not valid'}`;
}

function fail(status: number, message: string): never {
  throw Object.assign(new Error(message), { statusCode: status });
}

export default async function faro(app: FastifyInstance) {
  const batches = new Counter({
    name: 'pilothouse_faro_batches_total',
    help: 'Faro batches received on /collect, by outcome: stored, duplicate, or the refusal status code',
    labelNames: ['outcome'],
    registers: [app.metrics],
  });
  const limit = new AppRateLimit();
  const keys = new Map<string, { app: RumApp | undefined; until: number }>();

  async function resolveApp(key: string): Promise<RumApp | undefined> {
    const hit = keys.get(key);
    if (hit && hit.until > Date.now()) return hit.app;
    const found = await appByKey(app.db, key);
    if (keys.size > 10_000) keys.clear();
    keys.set(key, { app: found, until: Date.now() + KEY_CACHE_MS });
    return found;
  }

  const ownOrigin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

  // CORS: preflights carry no key, so they are answered for any origin; the POST itself is
  // checked against the app's allowed origins.
  const cors = (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: MAX_PAYLOAD_BYTES }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(new BodyError(415, `Content-Type "${req.headers['content-type'] ?? ''}" is not a Faro batch: send application/json`), undefined);
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status = err.statusCode ?? 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the payload is too large: at most ${MAX_PAYLOAD_BYTES} bytes (5 MiB) per batch`;
    // A value the database refuses is the sender's to fix: a 400, never a 503 that invites a retry.
    const fromDb = clientErrorOf(err);
    if (fromDb) {
      status = fromDb.status;
      message = fromDb.message;
    } else if (status >= 500) {
      req.log.error({ err }, 'faro batch not stored');
      status = 503;
      message = 'the batch could not be stored now: retry later';
      reply.header('retry-after', '5');
    }
    batches.inc({ outcome: String(status) });
    cors(req, reply);
    return reply.code(status).send({ statusCode: status, error: status === 413 ? 'Payload Too Large' : status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 415 ? 'Unsupported Media Type' : 'Bad Request', message });
  });

  const preflight = async (req: FastifyRequest, reply: FastifyReply) => {
    cors(req, reply);
    return reply.code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  };
  const publicRoute = { config: { auth: { public: true } as const }, schema: { hide: true } };
  app.options('/collect', publicRoute, preflight);
  app.options('/collect/:appKey', publicRoute, preflight);

  const collect = async (req: FastifyRequest, reply: FastifyReply) => {
    const sent = req.headers['x-api-key'];
    const key = (req.params as { appKey?: string }).appKey ?? (typeof sent === 'string' ? sent : undefined);
    const rumApp = key ? await resolveApp(key) : undefined;
    if (!rumApp) fail(401, 'API key not provided or incorrect: send the app\'s key in the x-api-key header');
    const wait = limit.take(rumApp.id);
    if (wait !== undefined) {
      reply.header('retry-after', String(wait));
      fail(429, `app ${rumApp.name} sends more than 50 batches a second: retry after ${wait} s`);
    }
    if (!originAllowed(rumApp, req.headers.origin, ownOrigin(req))) {
      fail(403, `origin ${req.headers.origin} may not send for app ${rumApp.name}: add it to the app's allowed origins`);
    }
    if (!Buffer.isBuffer(req.body)) fail(400, 'the body is empty: send a Faro batch ({"meta": …})');
    const body = req.body;
    const payload = await decodeBounded(async () => {
      const inflated = await inflate(body, req.headers['content-encoding'], MAX_INFLATED_BYTES);
      await nextTurn();
      return parseJsonBody(inflated);
    });
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) fail(400, 'the body must be a JSON object with "meta"');
    if (!checkPayload(payload)) fail(400, `not a Faro batch: ${describe(checkPayload.errors![0]!)}`);
    const batch = payload as FaroPayloadT;
    const traces = batch.traces ? checkOtlpJson(batch.traces, 'body.traces') : undefined;

    const now = new Date();
    const session = req.headers['x-faro-session-id'];
    const rows = toRumEvents(batch, {
      tenantId: rumApp.tenantId, appId: rumApp.id, now,
      sessionHeader: typeof session === 'string' ? session : undefined,
      earliest: retentionStart(now, app.config.TELEMETRY_RETENTION_DAYS),
    });
    const idem = req.headers['idempotency-key'];
    const outcome = await storeRumBatch(app.db, rumApp.id, typeof idem === 'string' && idem.length <= 200 ? idem : undefined, rows);
    if (outcome === 'stored' && traces) {
      // Browser telemetry: never server spans, never the request rollups SLOs read.
      await ingestTraces(app.db, traces, { tenantId: rumApp.tenantId, origin: 'browser', retentionDays: app.config.TELEMETRY_RETENTION_DAYS, now });
    }
    batches.inc({ outcome });
    cors(req, reply);
    return reply.code(202).type('text/plain').send('ok');
  };
  const collectRoute = { bodyLimit: MAX_PAYLOAD_BYTES, config: { auth: { public: true } as const }, schema: { tags: ['telemetry'], summary: 'Faro batch from a browser (x-api-key: the app\'s key)' } };
  app.post('/collect', collectRoute, collect);
  app.post('/collect/:appKey', collectRoute, collect);
}
