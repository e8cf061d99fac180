// Summaries as k6 and the local runner write them reduce to one run; a malformed one is
// refused with the field that is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSummary, SummaryError } from '../../../collectors/loadtests/summary.ts';

const K6_SUMMARY = JSON.parse(readFileSync(join(import.meta.dirname, 'k6-summary.json'), 'utf8'));

test('a k6 end-of-test summary gives p95, p99, error rate, throughput and each threshold', () => {
  const run = parseSummary('k6', K6_SUMMARY);
  assert.equal(run.p95Ms, 48.113);
  assert.equal(run.p99Ms, 91.733);
  assert.equal(run.errorRate, 0.0025);
  assert.equal(run.throughput, 99.8);
  assert.equal(run.requests, 5988);
  assert.deepEqual(run.checks, { passes: 5973, fails: 15 });
  assert.deepEqual(run.thresholds.map((t) => [t.name, t.ok]), [
    ['http_req_duration: p(95)<200', true], ['http_req_duration: p(99)<150', true],
    ['http_req_duration{route:GET /api/v1/me}: p(95)<200', true], ['http_req_failed: rate<0.001', false],
  ]);
  assert.equal(run.thresholds[2]!.scope, 'route:GET /api/v1/me');
  assert.equal(run.thresholds[3]!.value, 0.0025);
  assert.equal(run.passed, false);
});

test('a k6 summary without http_req_duration\'s p(95) is refused naming the field', () => {
  const bad = structuredClone(K6_SUMMARY);
  delete bad.metrics.http_req_duration.values['p(95)'];
  assert.throws(() => parseSummary('k6', bad), (e: Error) => e instanceof SummaryError && /body\.metrics\.http_req_duration\.values is missing the required field "p\(95\)"/.test(e.message));
});

test('a negative or absurd figure is refused', () => {
  const bad = structuredClone(K6_SUMMARY);
  bad.metrics.http_reqs.values.rate = -3;
  assert.throws(() => parseSummary('k6', bad), /body\.metrics\.http_reqs\.values\.rate must be >= 0/);
});

test('a body that is not an object is refused', () => {
  assert.throws(() => parseSummary('k6', [1, 2]), /must be a JSON object/);
  assert.throws(() => parseSummary('local', null), /must be a JSON object/);
});

test('a local summary must say it is one', () => {
  assert.throws(() => parseSummary('local', { ...K6_SUMMARY }), /body is missing the required field "format"|body has an unknown field/);
});
