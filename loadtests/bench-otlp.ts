// `npm run bench:otlp`: spans per second through POST /v1/traces (protobuf as the SDK
// encodes it, decoded, checked, deduplicated on insert, request rollups updated in the same
// transaction, answered after commit) beside a raw INSERT of the same span rows into the
// same table on the same PostgreSQL server, and their ratio.
//
// Both sides write batches of BATCH spans over CONNECTIONS concurrent connections. The raw
// insert runs before and after the API run and the baseline is their mean, so table growth
// favours neither side. Environment: BENCH_SPANS (default 100000), BENCH_BATCH (500),
// BENCH_CONNECTIONS (4), DATABASE_URL (default: a fresh embedded PostgreSQL).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { postAll, rate, type PostRun } from './harness.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createToken } from '../tenancy/tokens.ts';
import { decodeTraceRequest } from '../collectors/otlp/proto.ts';
import { convertRequest, type SpanRow } from '../collectors/otlp/spans.ts';
import { insertSpansRaw } from '../collectors/otlp/store.ts';

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const SPANS_PER_TRACE = 4;

const server = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres('pilothouse-bench-');
const dir = server?.dir ?? mkdtempSync(join(tmpdir(), 'pilothouse-bench-'));
const url = process.env.DATABASE_URL ?? server!.url;

/** Traces of one server span and three children each, made by the real SDK. */
function makeSpans(n: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-api', 'service.version': '1.0.0', 'host.name': 'bench-1' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  const t0 = Date.now() - 10 * 60_000;
  for (let i = 0; i < n / SPANS_PER_TRACE; i++) {
    const start = t0 + (i % 600_000);
    const route = `/api/v1/things/:id/part${i % 20}`;
    const root = tracer.startSpan(`GET ${route}`, {
      kind: SpanKind.SERVER, startTime: start,
      attributes: { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': i % 97 === 0 ? 500 : 200, 'url.path': `/api/v1/things/${i}/part${i % 20}`, 'user_agent.original': 'bench/1.0', 'client.address': '10.0.0.1' },
    });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 1; c < SPANS_PER_TRACE; c++) {
      const child = tracer.startSpan(c === 1 ? 'SELECT things' : c === 2 ? 'GET cache' : 'render', { kind: c === 3 ? SpanKind.INTERNAL : SpanKind.CLIENT, startTime: start + c, attributes: { 'db.system.name': 'postgresql', 'db.rows': i % 50 } }, ctx);
      if (c === 2 && i % 13 === 0) child.setStatus({ code: SpanStatusCode.ERROR, message: 'cache miss storm' });
      child.end(start + c + (i % 7));
    }
    root.end(start + 5 + (i % 400));
  }
  return memory.getFinishedSpans();
}

/** The same spans as protobuf bodies of BATCH spans each, encoded by the SDK's own serializer. */
function bodies(spans: ReadableSpan[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < spans.length; i += BATCH) out.push(ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + BATCH))!);
  return out;
}

async function rawInsert(db: Db, batches: SpanRow[][]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    for (let b = next++; b < batches.length; b = next++) await insertSpansRaw(db, batches[b]!);
  }));
  return performance.now() - started;
}

/** Span rows of the bodies, as the receiver would store them, for another tenant. */
function rowsFor(encoded: Uint8Array[], tenantId: string): SpanRow[][] {
  return encoded.map((b) => convertRequest(decodeTraceRequest(b) as object, { tenantId, origin: 'server', oldestStartNs: 0n, newestStartNs: 1n << 62n }).rows);
}

function apiRun(baseUrl: string, token: string, encoded: Uint8Array[]): Promise<PostRun> {
  return postAll({ baseUrl, path: '/v1/traces', token, contentType: 'application/x-protobuf', bodies: encoded, connections: CONNECTIONS, dir });
}

try {
  await migrate(url);
  const db = createPool(url, CONNECTIONS + 4);
  const config = loadConfig({ LOG_LEVEL: 'silent', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_DEMO: 'off', DATABASE_URL: url });
  const app = await buildApp({ config, db, console: false });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const tenant = await createTenant(db, { name: `bench-${randomUUID().slice(0, 8)}` });
  const { secret } = await createToken(db, { name: 'bench', tenantId: tenant.id, role: 'ingest' });
  const otherTenant = async () => (await createTenant(db, { name: `raw-${randomUUID().slice(0, 8)}` })).id;

  // Warm-up of both paths (JIT, partitions, connections), not measured.
  const warm = bodies(makeSpans(CONNECTIONS * 2 * BATCH));
  const warmToken = (await createToken(db, { name: 'bench-warm', tenantId: await otherTenant(), role: 'ingest' })).secret;
  await apiRun(baseUrl, warmToken, warm);
  await rawInsert(db, rowsFor(warm, await otherTenant()));

  const encoded = bodies(makeSpans(SPANS));
  const raw1 = await rawInsert(db, rowsFor(encoded, await otherTenant()));
  const api = await apiRun(baseUrl, secret, encoded);
  const raw2 = await rawInsert(db, rowsFor(encoded, await otherTenant()));

  const count = async () => (await db.query(`SELECT count(*)::int AS n FROM spans WHERE tenant_id = $1`, [tenant.id])).rows[0].n as number;
  const stored = await count();
  const replay = await apiRun(baseUrl, secret, encoded);
  const afterReplay = await count();
  const requests = (await db.query(`SELECT sum(requests)::int AS n FROM request_rollups WHERE tenant_id = $1`, [tenant.id])).rows[0].n as number;

  const rawMs = (raw1 + raw2) / 2;
  const apiRate = rate(SPANS, api.ms);
  const rawRate = rate(SPANS, rawMs);
  console.log(`bench:otlp  ${SPANS} spans (${SPANS / SPANS_PER_TRACE} traces), protobuf batches of ${BATCH}, ${CONNECTIONS} concurrent connections`);
  console.log(`  POST /v1/traces   ${String(apiRate).padStart(8)} spans/s   (${(api.ms / 1000).toFixed(2)} s, ${api.ok} × 200, ${api.failed} failed, p99 ${api.p99} ms per batch)`);
  console.log(`  raw INSERT        ${String(rawRate).padStart(8)} spans/s   (${(rawMs / 1000).toFixed(2)} s, mean of a run before and after)`);
  console.log(`  ratio             ${(apiRate / rawRate).toFixed(2)} of the raw insert rate`);
  console.log(`  stored ${stored} of ${SPANS}; replaying all ${encoded.length} batches stored ${afterReplay - stored} more (${replay.ok} × 200); rollups count ${requests} requests (one server span per trace: ${SPANS / SPANS_PER_TRACE})`);
  await app.close();
  await db.end();
  if (stored !== SPANS || afterReplay !== stored || requests !== SPANS / SPANS_PER_TRACE || api.failed > 0) process.exitCode = 1;
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
