// Period bounds for rolling and calendar-aligned windows, across time zones and DST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calendarMonths, periodAt, zonedToUtc } from '../../slo/math/calendar.ts';
import { DAY } from '../../slo/math/duration.ts';
import type { Period } from '../../slo/openslo/types.ts';

const month = (timeZone: string, startTime = '2026-01-01 00:00:00'): Period => ({ kind: 'calendar', duration: '1M', unit: 'M', count: 1, startTime, timeZone, ms: 30 * DAY });

test('a rolling window ends now and reaches back its length', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  const r = periodAt({ kind: 'rolling', duration: '30d', ms: 30 * DAY }, now);
  assert.equal(r.from.toISOString(), '2026-10-29T12:00:00.000Z');
  assert.equal(r.to.toISOString(), now.toISOString());
});

test('a calendar month in UTC runs from the first to the first', () => {
  const r = periodAt(month('UTC'), new Date('2026-11-28T12:00:00Z'));
  assert.equal(r.from.toISOString(), '2026-11-01T00:00:00.000Z');
  assert.equal(r.to.toISOString(), '2026-12-01T00:00:00.000Z');
});

test('a calendar month in Paris starts at local midnight, whichever side of the DST change', () => {
  const r = periodAt(month('Europe/Paris'), new Date('2026-10-15T12:00:00Z'));
  assert.equal(r.from.toISOString(), '2026-09-30T22:00:00.000Z', 'October starts in summer time (UTC+2)');
  assert.equal(r.to.toISOString(), '2026-10-31T23:00:00.000Z', 'November starts in winter time (UTC+1)');
});

test('the period holding an instant before the start time is found by counting backwards', () => {
  const r = periodAt(month('UTC', '2026-06-01 00:00:00'), new Date('2026-02-10T00:00:00Z'));
  assert.equal(r.from.toISOString(), '2026-02-01T00:00:00.000Z');
});

test('a 2-week calendar window steps from its start date', () => {
  const r = periodAt({ kind: 'calendar', duration: '2w', unit: 'w', count: 2, startTime: '2026-01-05 00:00:00', timeZone: 'UTC', ms: 14 * DAY }, new Date('2026-01-25T00:00:00Z'));
  assert.equal(r.from.toISOString(), '2026-01-19T00:00:00.000Z');
});

test('calendar months for compliance: the last n, oldest first, the current one last', () => {
  const months = calendarMonths(new Date('2026-03-10T00:00:00Z'), 3);
  assert.deepEqual(months.map((m) => m.from.toISOString().slice(0, 10)), ['2026-01-01', '2026-02-01', '2026-03-01']);
  assert.equal(zonedToUtc('America/New_York', 2026, 6, 1).toISOString(), '2026-07-01T04:00:00.000Z');
});
