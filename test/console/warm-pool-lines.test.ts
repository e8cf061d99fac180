// The Fleet page's warm-pool chart, outside the browser: forecast and actual starts per hour
// and the placeholder replicas in force at each hour's end (none drawn for hours ahead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolAt, warmPoolCharts } from '../../console/src/routes/fleet/warm-pool-lines.ts';

const H = (n: number) => new Date(Date.UTC(2026, 11, 3, n)).toISOString();

test('each pool is a chart of forecast, actual starts and the pool size kept', () => {
  const [c] = warmPoolCharts({
    generatedAt: H(3), knobs: {},
    pools: [{
      region: 'us-east-1', pool: 'on-demand',
      hours: [{ hour: H(1), forecast: 3.333, actual: 4, method: 'seasonal×trend' }, { hour: H(2), forecast: 5, actual: 2, method: 'seasonal×trend' }, { hour: H(3), forecast: 6, actual: null, method: 'seasonal×trend' }],
      poolSize: [{ at: '2026-12-03T01:10:00.000Z', replicas: 7 }, { at: '2026-12-03T02:50:00.000Z', replicas: 9 }],
    }],
  });
  assert.equal(c!.title, 'us-east-1 · on-demand');
  assert.deepEqual(c!.lines.map((l) => l.values), [[3.33, 5, 6], [4, 2, null], [7, 9, null]]);
});

test('the pool in force is the last change at or before the moment', () => {
  const changes = [{ at: H(1), replicas: 3 }, { at: H(2), replicas: 5 }];
  assert.equal(poolAt(changes, Date.parse(H(0))), null);
  assert.equal(poolAt(changes, Date.parse(H(1))), 3);
  assert.equal(poolAt(changes, Date.parse(H(2)) + 1), 5);
});
