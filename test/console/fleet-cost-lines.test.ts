// The fleet page's cost arithmetic, outside the browser: chart lines per hour and the totals
// table with idle as its own line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartOf, totalRows, type FleetCosts } from '../../console/src/routes/fleet/cost-lines.ts';

const H1 = '2026-11-28T10:00:00.000Z';
const H2 = '2026-11-28T11:00:00.000Z';
const costs = (hours: FleetCosts['hours'], totals: FleetCosts['totals'], total: string): FleetCosts => ({ from: H1, to: H2, hours, totals, total });

test('the chart sums every tenant into one line per hour beside system, idle and over-commit', () => {
  const c = chartOf(costs([
    { hour: H1, minutes: 60, line: 'tenant', tenantId: 'a', total: '0.10' },
    { hour: H1, minutes: 60, line: 'tenant', tenantId: 'b', total: '0.20' },
    { hour: H1, minutes: 60, line: 'idle', tenantId: null, total: '0.50' },
    { hour: H2, minutes: 60, line: 'tenant', tenantId: 'a', total: '0.05' },
    { hour: H2, minutes: 60, line: 'system', tenantId: null, total: '0.01' },
  ], [], '0'));
  assert.deepEqual(c.times, [Date.parse(H1) / 1000, Date.parse(H2) / 1000]);
  assert.deepEqual(c.lines.map((l) => [l.label, l.values]), [
    ['tenants (sum)', [0.3, 0.05]],
    ['system', [0, 0.01]],
    ['idle (unallocated)', [0.5, 0]],
    ['over-commit', [0, 0]],
  ]);
});

test('an hour sampled for only some minutes is drawn at its rate per hour, not as a dip', () => {
  // Ten minutes of the current hour have cost 0.05: the fleet runs at 0.30 an hour.
  const c = chartOf(costs([
    { hour: H1, minutes: 60, line: 'idle', tenantId: null, total: '0.30' },
    { hour: H2, minutes: 10, line: 'idle', tenantId: null, total: '0.05' },
  ], [], '0'));
  assert.deepEqual(c.lines.find((l) => l.label === 'idle (unallocated)')!.values, [0.3, 0.3]);
});

test('the totals name the top tenants, fold the rest into one row and keep idle apart with its share', () => {
  const names: Record<string, string> = { a: 'Acme', b: 'Globex', c: 'Initech' };
  const { rows, total } = totalRows(costs([], [
    { line: 'tenant', tenantId: 'a', total: '3' },
    { line: 'tenant', tenantId: 'b', total: '1' },
    { line: 'tenant', tenantId: 'c', total: '2' },
    { line: 'system', tenantId: null, total: '1' },
    { line: 'idle', tenantId: null, total: '3' },
    { line: 'overcommit', tenantId: null, total: '0' },
  ], '10'), (id) => names[id]!, 2);
  assert.equal(total, 10);
  assert.deepEqual(rows.map((r) => [r.label, r.total, r.share]), [
    ['Acme', 3, 0.3], ['Initech', 2, 0.2], ['1 other tenant', 1, 0.1], ['system', 1, 0.1], ['idle (unallocated)', 3, 0.3],
  ]);
});

test('idle is listed even when it is zero, and shares are undefined over a zero total', () => {
  const { rows } = totalRows(costs([], [], '0'), (id) => id);
  assert.deepEqual(rows.map((r) => [r.kind, r.total, r.share]), [['idle', 0, null]]);
});
