// The generator's open model: requests are due on a fixed schedule whatever the server does,
// and a latency counts from the due time, so a stalled server is charged for every request
// that fell due while it stalled (coordinated omission corrected by measurement).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expand, run, schedule } from '../../loadtests/generator.ts';

test('weights interleave requests in proportion', () => {
  const order = schedule([{ route: 'a', method: 'GET', paths: ['/a'], weight: 2 }, { route: 'b', method: 'GET', paths: ['/b'] }]);
  assert.deepEqual(order.toSorted(), [0, 0, 1]);
  assert.notDeepEqual(order, [0, 0, 1].toSorted().reverse(), 'not all of one then the other');
});

test('placeholders are filled per request: the same name twice is the same value', () => {
  const out = expand('{{seq}} {{uuid}} {{uuid}} {{spanId0}} {{spanId1}} {{traceId}}', 7, Date.UTC(2026, 0, 1));
  const [seq, u1, u2, s0, s1, trace] = out.split(' ');
  assert.equal(seq, '7');
  assert.equal(u1, u2);
  assert.match(u1!, /^[0-9a-f-]{36}$/);
  assert.notEqual(s0, s1);
  assert.match(trace!, /^[0-9a-f]{32}$/);
  assert.equal(expand('{{now}}', 0, Date.UTC(2026, 0, 1)), '2026-01-01T00:00:00.000Z');
});

test('a server that stalls for 500 ms is charged for every request due during the stall', async () => {
  // One connection, 50 requests/s: the first request takes 500 ms, the rest answer at once.
  // A closed-loop client would record one slow sample; requests due during the stall
  // waited too, and their latencies say so.
  let first = true;
  const server = http.createServer((_req, res) => {
    const delay = first ? 500 : 0;
    first = false;
    setTimeout(() => res.end('ok'), delay);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await run({ baseUrl: `http://127.0.0.1:${port}`, rate: 50, durationS: 2, warmupS: 0, connections: 1, timeoutMs: 5000, requests: [{ route: 'GET /', method: 'GET', paths: ['/'] }] });
    assert.equal(r.total.count, 100);
    assert.equal(r.total.errors, 0);
    // About 25 requests fell due in the stall, waiting from 500 ms down to 0: p90 is well above 100 ms.
    assert.ok(r.total.latencyUs.p90 > 100_000, `p90 ${r.total.latencyUs.p90} µs`);
    assert.ok(r.total.latencyUs.max >= 490_000, `max ${r.total.latencyUs.max} µs`);
    // What the server itself took is small for all but one.
    assert.ok(r.total.serviceUs.p95 < 100_000, `service p95 ${r.total.serviceUs.p95} µs`);
  } finally {
    server.close();
  }
});
