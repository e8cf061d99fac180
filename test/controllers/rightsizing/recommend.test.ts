// The VPA recommender's arithmetic: the decaying histogram, the target percentile with its
// safety margin and floors, memory from daily peaks, bounds that narrow as history grows,
// never applying below usage, and the tenant's resource factor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CPU_HISTOGRAM, DecayingHistogram, HALF_LIFE_MS } from '../../../controllers/rightsizing/histogram.ts';
import { applicableRequests, band, MIN_CPU, MIN_MEMORY, recommend, resourceFactorFor, type UsageSample } from '../../../controllers/rightsizing/recommend.ts';
import { decideRightsizing, roundedRequests } from '../../../controllers/rightsizing/rightsizer.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const GiB = 2 ** 30;

test('a percentile answers the end of its bucket (each 1.05 × the last, from 0.01 core)', () => {
  const h = new DecayingHistogram(CPU_HISTOGRAM, NOW);
  for (let i = 0; i < 90; i++) h.addSample(0.1, 1, NOW);
  for (let i = 0; i < 10; i++) h.addSample(2, 1, NOW);
  const p90 = h.percentile(0.9);
  // near 0.1 core a bucket is 0.015 wide
  assert.ok(p90 >= 0.1 && p90 <= 0.1155, String(p90));
  assert.ok(h.percentile(0.95) >= 2 && h.percentile(0.95) < 2.11);
});

test('a sample a half-life old weighs half', () => {
  const h = new DecayingHistogram(CPU_HISTOGRAM, NOW);
  h.addSample(1, 1, NOW - HALF_LIFE_MS);
  assert.ok(Math.abs(h.totalWeight - 0.5) < 1e-12);
  // one fresh sample at 0.2 and two day-old ones at 1.0 weigh the same: the median sits between
  h.addSample(1, 1, NOW - HALF_LIFE_MS);
  h.addSample(0.2, 1, NOW);
  assert.ok(h.percentile(0.4) < 0.22);
});

const minutes = (n: number, f: (i: number) => Partial<UsageSample>): UsageSample[] =>
  Array.from({ length: n }, (_, i) => ({ at: NOW - (n - i) * 60_000, cpu: 0.2, memory: GiB, cpuRequest: 1, memoryRequest: 2 * GiB, pods: 1, ...f(i) }));

test('the target is p90 + 15 %, bounds around it widen with little history, floors hold', () => {
  const r = recommend(minutes(600, (i) => ({ cpu: i % 10 === 0 ? 0.8 : 0.2 })), NOW)!;
  // the p90 is the 0.2 bucket's end (0.02 wide there), plus 15 %
  assert.ok(r.target.cpu >= 0.2 * 1.15 && r.target.cpu <= 0.221 * 1.15, `target ${r.target.cpu}`);
  assert.ok(r.upperBound.cpu > 0.8, 'the upper bound covers the spikes, widened by the low confidence');
  assert.ok(r.lowerBound.cpu <= r.target.cpu);
  assert.equal(r.samples, 600);
  assert.ok(r.confidence < 1);
  const tiny = recommend(minutes(10, () => ({ cpu: 0.001, memory: 10 * 2 ** 20 })), NOW)!;
  assert.deepEqual([tiny.target.cpu, tiny.target.memory], [MIN_CPU, MIN_MEMORY]);
});

test('memory follows the peak of each day, not every minute', () => {
  // A single 3 GiB spike among 1 GiB minutes: it is that day's peak, so the target covers it.
  const r = recommend(minutes(600, (i) => ({ memory: i === 300 ? 3 * GiB : GiB })), NOW)!;
  assert.ok(r.target.memory >= 3 * GiB * 1.15, `memory target ${r.target.memory / GiB} GiB`);
});

test('applying never goes below what the pod uses now', () => {
  const r = recommend(minutes(60, () => ({ cpu: 0.1 })), NOW)!;
  assert.deepEqual(applicableRequests(r, { cpu: 0.9, memory: GiB / 2 }).cpu, 0.9);
});

test('a tenant\'s factor is the smallest sandbox that covers the p90 of its workspaces', () => {
  const base = { cpu: 0.5, memory: 3 * GiB };
  assert.deepEqual(resourceFactorFor([{ cpu: 0.4, memory: GiB }, { cpu: 0.45, memory: 2 * GiB }], base).factor, 1);
  assert.deepEqual(resourceFactorFor([{ cpu: 0.9, memory: GiB }, { cpu: 0.7, memory: 4 * GiB }], base).factor, 2);
  assert.deepEqual(resourceFactorFor([{ cpu: 9, memory: GiB }], base).factor, 8);
  assert.deepEqual([band(0.75, [0.7, 0.8]), band(0.5, [0.7, 0.8]), band(null, [0.7, 0.8])], ['within', 'below', 'no data']);
});

test('the rightsizer changes requests only when switched on and by 10 % or more, rounded up', () => {
  const rec = recommend(minutes(60, () => ({ cpu: 0.3, memory: GiB })), NOW)!;
  const candidate = { namespace: 'platform', name: 'gw', container: 'main', current: { cpu: 2, memory: 4 * GiB }, recommendation: rec, latestUsage: { cpu: 0.3, memory: GiB } };
  assert.deepEqual(decideRightsizing({ enabled: false, candidates: [candidate] }), []);
  const [d] = decideRightsizing({ enabled: true, candidates: [candidate] });
  assert.match(d!.decision, /^requests platform\/gw cpu 2→\d+m, memory 4Gi→\d+Mi$/);
  const close = { ...candidate, current: { cpu: rec.target.cpu * 1.05, memory: rec.target.memory * 0.95 } };
  assert.deepEqual(decideRightsizing({ enabled: true, candidates: [close] }), []);
  assert.deepEqual(roundedRequests({ cpu: 0.2301, memory: 1.2 * GiB }), { cpu: '231m', memory: '1229Mi' });
});
