// `npm run bench:ingest`: usage events per second through the HTTP batch API (validation,
// idempotency keys, COPY, commit before the answer) beside a raw COPY of the same events
// into the same table on the same PostgreSQL server, and their ratio.
//
// Both sides send batches of BATCH events over CONNECTIONS concurrent connections, each
// batch its own transaction. The raw COPY runs before and after the API run and the
// baseline is their mean, so table growth does not favour either side. A third line shows
// the ceiling of exactly-once storage with a key table: the same COPY plus a COPY of the
// events' keys into usage_event_keys, in one transaction per batch, without any HTTP,
// validation or conflict handling. The API cannot beat it; see collectors/usage/README.md.
// Environment: BENCH_EVENTS (default 100000), BENCH_BATCH (1000), BENCH_CONNECTIONS (4),
// DATABASE_URL (default: a fresh embedded PostgreSQL in a temporary folder).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { postAll, rate, type PostRun } from './harness.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createToken } from '../tenancy/tokens.ts';
import { copyEvents, copyKeys, ensurePartitions } from '../collectors/usage/store.ts';
import { eventKey } from '../collectors/usage/keys.ts';
import type { UsageEvent } from '../collectors/usage/validate.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);

const server = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres('pilothouse-bench-');
const dir = server?.dir ?? mkdtempSync(join(tmpdir(), 'pilothouse-bench-'));
const url = process.env.DATABASE_URL ?? server!.url;

function makeEvents(n: number, tag: string): Record<string, unknown>[] {
  const models = ['claude-sonnet-4', 'gpt-5', 'small-1'];
  const kinds = ['prompt', 'completion', 'cache_read', 'cache_write'];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    specversion: '1.0', id: `${tag}-${i}`, source: `/agents/${i % 50}`, type: 'llm.tokens',
    time: new Date(now - 60_000 - (i % 3600) * 1000).toISOString(),
    data: { quantity: 100 + (i % 5000), model: models[i % 3], kind: kinds[i % 4] },
  }));
}

const asStored = (e: Record<string, any>): UsageEvent => {
  const { quantity, ...dimensions } = e.data;
  return { time: new Date(e.time), meter: e.type, quantity: String(quantity), source: e.source, id: e.id, subject: null, dimensions };
};

async function rawCopy(db: Db, tenantId: string, events: UsageEvent[], withKeys = false): Promise<number> {
  await ensurePartitions(db, events.map((e) => e.time));
  const batches: UsageEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    const client = await db.connect();
    try {
      for (let b = next++; b < batches.length; b = next++) {
        if (!withKeys) {
          await copyEvents(client, 'usage_events', tenantId, batches[b]!);
          continue;
        }
        const keyed = batches[b]!.map((e) => ({ key: eventKey(tenantId, e.source, e.id), e })).sort((x, y) => (x.key < y.key ? -1 : 1));
        await client.query('BEGIN');
        await copyKeys(client, keyed);
        await copyEvents(client, 'usage_events', tenantId, batches[b]!);
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
  }));
  return performance.now() - started;
}

function apiRun(baseUrl: string, token: string, tenantId: string, events: Record<string, unknown>[]): Promise<PostRun> {
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += BATCH) bodies.push(JSON.stringify(events.slice(i, i + BATCH)));
  return postAll({ baseUrl, path: `/api/v1/tenants/${tenantId}/events`, token, contentType: 'application/cloudevents-batch+json', bodies, connections: CONNECTIONS, dir });
}

try {
  await migrate(url);
  const db = createPool(url, CONNECTIONS + 4);
  const config = loadConfig({ LOG_LEVEL: 'silent', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_DEMO: 'off', DATABASE_URL: url, USAGE_MAX_IN_FLIGHT: String(CONNECTIONS) });
  const app = await buildApp({ config, db, console: false });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const tenant = await createTenant(db, { name: `bench-${randomUUID().slice(0, 8)}` });
  const { secret } = await createToken(db, { name: 'bench', tenantId: null, role: 'collector' });

  // Warm-up of both paths (JIT, partitions, connections), not measured.
  const warm = makeEvents(Math.max(4, CONNECTIONS * 2) * BATCH, 'warm');
  await apiRun(baseUrl, secret, tenant.id, warm);
  await rawCopy(db, randomUUID(), warm.map(asStored));
  await rawCopy(db, randomUUID(), warm.map(asStored), true);

  const events = makeEvents(EVENTS, `run-${randomUUID().slice(0, 8)}`);
  const stored = events.map(asStored);
  const copy1 = await rawCopy(db, randomUUID(), stored);
  const keyed1 = await rawCopy(db, randomUUID(), stored, true);
  const api = await apiRun(baseUrl, secret, tenant.id, events);
  const keyed2 = await rawCopy(db, randomUUID(), stored, true);
  const copy2 = await rawCopy(db, randomUUID(), stored);

  const { rows } = await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE tenant_id = $1 AND event_id LIKE 'run-%'`, [tenant.id]);
  // Replaying the whole run: every event is a duplicate, nothing is stored again.
  const replay = await apiRun(baseUrl, secret, tenant.id, events);
  const { rows: after } = await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE tenant_id = $1 AND event_id LIKE 'run-%'`, [tenant.id]);

  const copyMs = (copy1 + copy2) / 2;
  const apiRate = rate(EVENTS, api.ms);
  const copyRate = rate(EVENTS, copyMs);
  const keyedRate = rate(EVENTS, (keyed1 + keyed2) / 2);
  console.log(`bench:ingest  ${EVENTS} events, batches of ${BATCH}, ${CONNECTIONS} concurrent connections`);
  console.log(`  raw COPY into usage_events    ${copyRate.toLocaleString('en')} events/s  (runs: ${rate(EVENTS, copy1).toLocaleString('en')} before, ${rate(EVENTS, copy2).toLocaleString('en')} after the API run)`);
  console.log(`  raw COPY of events + keys     ${keyedRate.toLocaleString('en')} events/s  (${(keyedRate / copyRate * 100).toFixed(1)}% of raw COPY: the most any dedup with a key table can reach)`);
  console.log(`  HTTP batch API (dedup on)     ${apiRate.toLocaleString('en')} events/s  (p99 batch latency ${api.p99} ms, ${api.ok} batches 2xx, ${api.failed} failed)`);
  console.log(`  ratio API / raw COPY          ${(apiRate / copyRate * 100).toFixed(1)}%  (aim: at least 70%); API / COPY with keys ${(apiRate / keyedRate * 100).toFixed(1)}%`);
  console.log(`  stored ${rows[0].n} of ${EVENTS}; full replay stored ${after[0].n - rows[0].n} more (${rate(EVENTS, replay.ms).toLocaleString('en')} events/s of duplicates)`);
  await app.close();
  await db.end();
  if (rows[0].n !== EVENTS || after[0].n !== EVENTS || api.failed > 0) process.exitCode = 1;
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
