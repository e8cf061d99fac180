// Finding 1: a request dropped while its token was being verified, or part-way through its
// body, left its in-flight slot taken; a handful of them stopped usage ingestion for every
// tenant until a restart. Every path that takes a slot now gives it back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { buildTestApp } from '../helper.ts';
import { eventually } from '../eventually.ts';
import { collector, eventsUrl, postBatch, usageEvent } from '../collectors/usage/fixtures.ts';

const t = await buildTestApp({ env: { USAGE_MAX_IN_FLIGHT: '2' } });
const base = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
const tenant = await t.tenant();
const sender = await collector(t, tenant.id);

const inFlight = async () => Number(/pilothouse_usage_ingest_in_flight (\d+)/.exec((await t.app.inject({ url: '/metrics' })).body)?.[1]);

/** Sends the request head (and `body`, if any) of a usage POST on a raw socket, then drops it when `drop` resolves. */
function dropped(body: string, drop: Promise<void>): Promise<void> {
  return new Promise((ok) => {
    const s = connect(Number(base.port), base.hostname, () => {
      s.write(`POST ${eventsUrl(sender)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sender.token}\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: 100\r\n\r\n${body}`);
      void drop.then(() => s.destroy());
    });
    s.on('close', () => ok());
    s.on('error', () => {});
  });
}

test('requests dropped while their token is verified leave no slot taken', async () => {
  // Hold the token's row, so that verification (which records the token's first use) waits.
  await t.app.inject({ url: '/metrics' });
  const blocker = await t.db.connect();
  await blocker.query('BEGIN');
  await blocker.query(`SELECT 1 FROM api_tokens WHERE prefix = $1 FOR UPDATE`, [sender.token.slice(0, 10)]);
  let drop!: () => void;
  const gone = new Promise<void>((r) => { drop = r; });
  const sockets = [dropped('', gone), dropped('', gone), dropped('', gone)];
  await eventually('a token verification waiting for the row', async () => {
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%api_tokens%'`);
    return rows[0].n >= 1;
  });
  drop();
  await Promise.all(sockets);
  await blocker.query('COMMIT');
  blocker.release();
  await eventually('every slot back', async () => (await inFlight()) === 0);
  const res = await postBatch(t.app, sender, [usageEvent({ source: '/after-drops' })]);
  assert.equal(res.statusCode, 200, res.body);
});

test('requests dropped part-way through their body (a client timeout) leave no slot taken', async () => {
  let drop!: () => void;
  const gone = new Promise<void>((r) => { drop = r; });
  const sockets = [dropped('[{"specversion":', gone), dropped('[', gone), dropped('', gone), dropped('[{', gone)];
  await new Promise((r) => setTimeout(r, 100));
  drop();
  await Promise.all(sockets);
  await eventually('every slot back', async () => (await inFlight()) === 0);
  for (let i = 0; i < 3; i++) {
    const res = await postBatch(t.app, sender, [usageEvent({ source: `/after-timeouts-${i}` })]);
    assert.equal(res.statusCode, 200, res.body);
  }
});
