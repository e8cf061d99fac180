// The envelope rules the checker does by hand rather than through the generic format check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelopeProblem, isRfc3339 } from '../../../collectors/usage/cloudevent.ts';

const event = (time: unknown) => ({ specversion: '1.0', id: 'a', source: '/s', type: 'api.calls', time, data: { quantity: 1 } });

test('RFC 3339 timestamps with Z or an offset, with or without fractions, are accepted', () => {
  for (const t of ['2026-11-28T10:00:00Z', '2026-11-28t10:00:00.123456z', '2026-11-28T10:00:00+05:30', '2024-02-29T23:59:59-12:00']) {
    assert.equal(isRfc3339(t), true, t);
    assert.equal(envelopeProblem(event(t)), undefined, t);
  }
});

test('timestamps without an offset, with impossible dates or times, or in other formats are refused', () => {
  for (const t of ['2026-11-28T10:00:00', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-28T24:00:00Z',
    '2026-11-28T10:60:00Z', '2026-11-28T10:00:60Z', '2026-11-28T10:00:00+24:00', '2026-11-28 10:00:00Z', 'yesterday', '2026-11-28T10:00:00Z[UTC]']) {
    assert.equal(isRfc3339(t), false, t);
    assert.match(envelopeProblem(event(t))?.message ?? '', /time must be an RFC 3339 timestamp/, t);
  }
});

test('a time that is not a string is refused as malformed, naming the attribute', () => {
  assert.deepEqual(envelopeProblem(event(12)), { reason: 'malformed', message: 'time must be string' });
});
