// The abort sweep: requests opened and dropped at each stage of the exchange (before the
// head is complete, after it, part-way through the body, with the body sent but before the
// answer), on every route class that holds something while it works (the usage in-flight
// limit, database connections, the decode queue). After each wave, capacity is back: no in-flight
// slot taken, no database connection lent out, and as many concurrent usage batches as the
// limit allows are all accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { buildTestApp } from '../helper.ts';
import { eventually } from '../eventually.ts';
import { collector, eventsUrl, postBatch, usageEvent } from '../collectors/usage/fixtures.ts';

const LIMIT = 3;
const t = await buildTestApp({ env: { USAGE_MAX_IN_FLIGHT: String(LIMIT) } });
const base = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
const tenant = await t.tenant();
const sender = await collector(t, tenant.id);
const admin = await t.token('admin');
const faroKey = (await t.app.inject({ url: '/api/v1/rum/console' })).json().apiKey as string;

interface Target { name: string; head: (length: number) => string; body: Buffer }
const batch = Buffer.from(JSON.stringify(Array.from({ length: 200 }, () => usageEvent())));
const faro = gzipSync(JSON.stringify({ meta: { app: { name: 'x' } }, logs: Array.from({ length: 50 }, (_, i) => ({ message: `${i}${'m'.repeat(4000)}` })) }));
const TARGETS: Target[] = [
  { name: 'usage batch', body: batch, head: (n) => `POST ${eventsUrl(sender)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sender.token}\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: ${n}\r\n\r\n` },
  { name: 'Faro batch (gzip)', body: faro, head: (n) => `POST /collect HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${faroKey}\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${n}\r\n\r\n` },
  { name: 'OTLP/JSON traces (gzip)', body: gzipSync(JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [] }] }], pad: 'p'.repeat(300_000) })), head: (n) => `POST /v1/traces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${n}\r\n\r\n` },
  { name: 'tenant create', body: Buffer.from(JSON.stringify({ name: 'dropped' })), head: (n) => `POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${n}\r\n\r\n` },
];

type Stage = 'partial head' | 'head only' | 'half the body' | 'whole body, no wait';
const STAGES: Stage[] = ['partial head', 'head only', 'half the body', 'whole body, no wait'];

/** Opens a connection, writes up to `stage`, and drops it at once (or after `lingerMs`). */
function drop(target: Target, stage: Stage, lingerMs: number): Promise<void> {
  return new Promise((ok) => {
    const s = connect(Number(base.port), base.hostname, () => {
      const head = target.head(target.body.length);
      if (stage === 'partial head') s.write(head.slice(0, Math.floor(head.length / 2)));
      else if (stage === 'head only') s.write(head);
      else if (stage === 'half the body') s.write(Buffer.concat([Buffer.from(head), target.body.subarray(0, target.body.length >> 1)]));
      else s.write(Buffer.concat([Buffer.from(head), target.body]));
      setTimeout(() => s.destroy(), lingerMs);
    });
    s.on('close', () => ok());
    s.on('error', () => {});
  });
}

const inFlight = async () => Number(/pilothouse_usage_ingest_in_flight (\d+)/.exec((await t.app.inject({ url: '/metrics' })).body)?.[1]);
const lent = () => t.db.totalCount - t.db.idleCount;

async function capacityIsBack(what: string): Promise<void> {
  await eventually(`${what}: every slot and connection back`, async () => (await inFlight()) === 0 && lent() === 0, 10_000);
  const answers = await Promise.all(Array.from({ length: LIMIT }, (_, i) => postBatch(t.app, sender, [usageEvent({ source: `/after/${what}/${i}` })])));
  assert.deepEqual(answers.map((r) => r.statusCode), Array(LIMIT).fill(200), `${what}: ${answers.map((r) => r.body).join(' | ')}`);
  // The decode queue moves on too.
  const decoded = await t.app.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': faroKey }, payload: faro });
  assert.equal(decoded.statusCode, 202, `${what}: ${decoded.body}`);
}

for (const target of TARGETS) {
  test(`${target.name}: dropped at every stage, capacity comes back`, async () => {
    let dropped = 0;
    for (const stage of STAGES) {
      for (const linger of [0, 5, 50]) {
        await Promise.all(Array.from({ length: LIMIT + 2 }, () => drop(target, stage, linger)));
        dropped += LIMIT + 2;
      }
      await capacityIsBack(`${target.name} / ${stage}`);
    }
    assert.equal(dropped, STAGES.length * 3 * (LIMIT + 2));
  });
}
