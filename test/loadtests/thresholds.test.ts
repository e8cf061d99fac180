// Thresholds come from the SLO specs: a latency objective becomes a percentile limit, an
// availability objective an error-rate limit; scenarios may tighten them, never loosen them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSpecDir } from '../../slo/catalog.ts';
import { k6Thresholds, scenarioThresholds, thresholdOf } from '../../loadtests/thresholds.ts';
import { SCENARIOS } from '../../loadtests/scenarios/index.ts';

const { slos } = await compileSpecDir();
const named = (n: string) => slos.find((s) => s.name === n)!;

test('a latency objective becomes the percentile of its target, in milliseconds', () => {
  assert.deepEqual(thresholdOf(named('api-latency-p95-200ms')), { slo: 'api-latency-p95-200ms', metric: 'p(95)', limit: 200 });
  assert.deepEqual(thresholdOf(named('api-latency-p95-100ms')), { slo: 'api-latency-p95-100ms', metric: 'p(95)', limit: 100 });
});

test('a timeslice objective judges a run as one slice: the per-slice percentile', () => {
  assert.deepEqual(thresholdOf(named('ai-response-2s')), { slo: 'ai-response-2s', metric: 'p(95)', limit: 2000 });
});

test('an availability objective becomes an error-rate limit of its budget', () => {
  assert.deepEqual(thresholdOf(named('api-availability-999')), { slo: 'api-availability-999', metric: 'error_rate', limit: 0.001 });
  assert.equal(thresholdOf(named('api-availability-9999')).limit, 0.0001);
});

test('the same objective changes the thresholds when its spec changes (nothing is typed twice)', () => {
  const spec = named('api-latency-p95-200ms');
  const faster = { ...spec, indicator: { ...spec.indicator, value: 0.05 } } as typeof spec;
  assert.equal(thresholdOf(faster).limit, 50);
});

test('a scenario may tighten a limit below its SLO', () => {
  const ts = scenarioThresholds(slos, ['api-latency-p95-200ms', 'api-availability-999'], { 'p(95)': 20 });
  assert.deepEqual(ts.map((t) => [t.slo, t.metric, t.limit]), [
    ['api-latency-p95-200ms', 'p(95)', 200], ['api-availability-999', 'error_rate', 0.001], ['scenario', 'p(95)', 20],
  ]);
});

test('a scenario may not loosen a limit its SLO sets', () => {
  assert.throws(() => scenarioThresholds(slos, ['api-latency-p95-200ms'], { 'p(95)': 500 }), /tighten .* not loosen/);
  assert.throws(() => scenarioThresholds(slos, ['api-availability-999'], { error_rate: 0.01 }), /not loosen/);
});

test('a scenario naming an SLO that does not exist is refused', () => {
  assert.throws(() => scenarioThresholds(slos, ['no-such-slo']), /no SLO named no-such-slo/);
});

test('k6 gets the same limits in its own notation', () => {
  const ts = scenarioThresholds(slos, ['api-latency-p95-200ms', 'api-availability-999'], { 'p(99)': 150 });
  assert.deepEqual(k6Thresholds(ts), { http_req_duration: ['p(95)<200', 'p(99)<150'], http_req_failed: ['rate<0.001'] });
});

test('every shipped scenario is judged by SLOs that exist, and runs in every profile', () => {
  for (const s of SCENARIOS) {
    assert.ok(scenarioThresholds(slos, s.slos, s.tighten).length >= 2, s.name);
    for (const p of Object.values(s.profiles)) assert.ok(p.rate > 0 && p.durationS > 0 && p.connections > 0, s.name);
  }
});
