import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullBucket, take } from '../../../controllers/runtime/rate-limit.ts';

test('a burst is allowed up to the bucket size, then actions wait for the refill', () => {
  const cfg = { perMinute: 60, burst: 3 };
  let b = fullBucket(cfg, 0);
  const allowed: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    const r = take(b, cfg, 0);
    b = r.bucket;
    allowed.push(r.allowed);
  }
  assert.deepEqual(allowed, [true, true, true, false]);
  assert.equal(take(b, cfg, 999).allowed, false, 'less than one token refilled after 999 ms at 1/s');
  assert.equal(take(b, cfg, 1000).allowed, true, 'one token refilled after 1 s');
});

test('the bucket never fills past its burst however long it waits', () => {
  const cfg = { perMinute: 60, burst: 2 };
  let b = fullBucket(cfg, 0);
  let granted = 0;
  for (let i = 0; i < 5; i++) {
    const r = take(b, cfg, 3_600_000);
    b = r.bucket;
    if (r.allowed) granted++;
  }
  assert.equal(granted, 2);
});
