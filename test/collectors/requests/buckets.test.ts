// The latency buckets: exact boundaries in nanoseconds, exact counts at a bound, no guesses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_COUNT, LATENCY_BUCKETS_MS, bucketIndex, countAtMost, cumulative, quantileMs } from '../../../collectors/requests/buckets.ts';
import { rollUp } from '../../../collectors/requests/rollup.ts';

const ms = (n: number) => BigInt(Math.round(n * 1e6));

test('a duration exactly at a bound falls in that bound\'s bucket; one nanosecond more in the next', () => {
  for (const [i, bound] of LATENCY_BUCKETS_MS.entries()) {
    assert.equal(bucketIndex(ms(bound)), i, `${bound} ms`);
    assert.equal(bucketIndex(ms(bound) + 1n), i + 1, `${bound} ms + 1 ns`);
  }
  assert.equal(bucketIndex(0n), 0);
  assert.equal(bucketIndex(ms(3_600_000)), BUCKET_COUNT - 1, 'an hour lands in +Inf');
});

test('requests at most a bound are counted exactly; a threshold that is not a bound is refused', () => {
  const buckets = new Array(BUCKET_COUNT).fill(0);
  for (const d of [0.5, 1, 2, 99, 100, 100.000001, 250, 61_000]) buckets[bucketIndex(ms(d))]++;
  assert.equal(countAtMost(buckets, 100), 5);
  assert.equal(countAtMost(buckets, 250), 7);
  assert.equal(countAtMost(buckets, 60000), 7);
  assert.throws(() => countAtMost(buckets, 150), /150 ms is not a bucket bound: use one of 1, 2.5, 5/);
  assert.deepEqual(cumulative(buckets).at(-1), { le: Infinity, count: 8 });
});

test('quantiles interpolate inside a bucket, as histogram_quantile does', () => {
  const buckets = new Array(BUCKET_COUNT).fill(0);
  buckets[LATENCY_BUCKETS_MS.indexOf(100)] = 10; // ten requests in (50, 100]
  assert.equal(quantileMs(buckets, 0.5), 75);
  assert.equal(quantileMs(new Array(BUCKET_COUNT).fill(0), 0.5), null);
});

test('rolling up groups requests by tenant, service, route and start minute', () => {
  const minute = 1_764_300_000_000_000_000n; // a whole minute in ns
  const span = (route: string, offsetS: number, durMs: number, isError = false) =>
    ({ tenantId: 't1', service: 'api', route, startUnixNano: minute + BigInt(offsetS) * 1_000_000_000n, durationNs: ms(durMs), isError });
  const rows = rollUp([span('GET /a', 0, 10), span('GET /a', 59, 20, true), span('GET /a', 60, 30), span('GET /b', 1, 40)]);
  const summary = rows.map((r) => [r.route, r.minute, r.requests, r.errors, r.durationSumNs]);
  assert.deepEqual(summary, [
    ['GET /a', new Date(Number(minute / 1_000_000n)).toISOString(), 2, 1, ms(30)],
    ['GET /a', new Date(Number(minute / 1_000_000n) + 60_000).toISOString(), 1, 0, ms(30)],
    ['GET /b', new Date(Number(minute / 1_000_000n)).toISOString(), 1, 0, ms(40)],
  ]);
});

test('a quantile inside a bucket is interpolated up to the slowest request seen, not the bucket bound', () => {
  const buckets = new Array(BUCKET_COUNT).fill(0);
  buckets[LATENCY_BUCKETS_MS.indexOf(30000)] = 10; // ten requests in (10 s, 30 s], the slowest 11.8 s
  assert.ok(quantileMs(buckets, 0.99)! > 11_800, 'without the maximum, interpolation runs to the bound');
  assert.ok(quantileMs(buckets, 0.99, 11_800)! <= 11_800);
  assert.ok(quantileMs(buckets, 0.5, 11_800)! > 10_000);
  const inf = new Array(BUCKET_COUNT).fill(0);
  inf[BUCKET_COUNT - 1] = 3; // beyond the last bound: the slowest one is the best estimate
  assert.equal(quantileMs(inf, 0.99, 75_000), 75_000);
});
