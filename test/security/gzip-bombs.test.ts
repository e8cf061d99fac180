// Finding 5: ten concurrent 19 KB gzip bodies that inflate to 19 MiB held /healthz for
// seconds: inflation and parsing were synchronous. Decompression is now streamed on the
// thread pool with an output limit, and decoding takes turns with the event loop. How long
// /healthz waits is measured by `npm run bench:bombs`; these tests check the behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { buildTestApp } from '../helper.ts';
import { inflate } from '../../collectors/otlp/decode.ts';

const t = await buildTestApp();

/** `{"meta":{},"logs":[…]}` padded with spaces: tiny gzipped, `size` bytes inflated. */
function bomb(size: number): Buffer {
  const head = '{"meta":{"app":{"name":"x"}},"logs":[]';
  return gzipSync(Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length - 1, 0x20), Buffer.from('}')]), { level: 9 });
}

test('the event loop keeps turning while a body inflates', async () => {
  const body = bomb(4 * 1024 * 1024);
  let turns = 0;
  let done = false;
  const spin = () => { if (!done) { turns++; setImmediate(spin); } };
  setImmediate(spin);
  const out = await inflate(body, 'gzip', 5 * 1024 * 1024);
  done = true;
  assert.equal(out.length, 4 * 1024 * 1024);
  assert.ok(turns > 1, `the loop turned ${turns} times while 4 MiB inflated`);
});

test('inflation stops at the limit: a bomb is a 413, not a buffer of its full size', async () => {
  const body = bomb(16 * 1024 * 1024);
  assert.ok(body.length < 50_000, `a ${body.length}-byte bomb`);
  const seen: number[] = [];
  await assert.rejects(inflate(body, 'gzip', 1024 * 1024), (e: Error & { statusCode?: number }) => {
    seen.push(e.statusCode ?? 0);
    return /inflates to more than 1048576 bytes/.test(e.message);
  });
  assert.deepEqual(seen, [413]);
});

test('/collect and /v1/traces answer a compressed bomb with 413 and store nothing', async () => {
  const key = (await t.app.inject({ url: '/api/v1/rum/console' })).json().apiKey;
  const token = await t.token('admin');
  const before = (await t.db.query('SELECT count(*)::int AS n FROM rum_events')).rows[0].n;
  const big = bomb(20 * 1024 * 1024);
  const faro = await t.app.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': key }, payload: big });
  assert.equal(faro.statusCode, 413, faro.body);
  const otlp = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${token}` }, payload: big });
  assert.equal(otlp.statusCode, 413, otlp.body);
  assert.equal((await t.db.query('SELECT count(*)::int AS n FROM rum_events')).rows[0].n, before);
});
