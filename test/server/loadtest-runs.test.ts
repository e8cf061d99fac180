// Load-test runs imported by CI's loadtest token and listed per scenario, newest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, buildTestApp } from '../helper.ts';

const t = await buildTestApp();
const k6 = JSON.parse(readFileSync(join(import.meta.dirname, '../collectors/loadtests/k6-summary.json'), 'utf8'));
const ci = await t.token('loadtest' as never);
const viewer = await t.token('viewer');

const post = (query: string, payload: unknown, token = ci) =>
  t.app.inject({ method: 'POST', url: `/api/v1/loadtest-runs?${query}`, headers: bearer(token), payload: payload as object });

test('a k6 summary posted by the loadtest token is stored and listed with its figures', async () => {
  const res = await post('scenario=k6-import&format=k6&target=https://staging.example.com&revision=abc123', k6);
  assert.equal(res.statusCode, 201, res.body);
  const list = await t.app.inject({ url: '/api/v1/loadtest-runs?scenario=k6-import', headers: bearer(viewer) });
  assert.equal(list.statusCode, 200);
  const [run] = list.json().items;
  assert.equal(run.scenario, 'k6-import');
  assert.equal(run.format, 'k6');
  assert.equal(run.target, 'https://staging.example.com');
  assert.equal(run.revision, 'abc123');
  assert.equal(run.p95Ms, 48.113);
  assert.equal(run.p99Ms, 91.733);
  assert.equal(run.errorRate, 0.0025);
  assert.equal(run.throughput, 99.8);
  assert.equal(run.passed, false);
  assert.deepEqual(run.thresholds.filter((x: { ok: boolean }) => !x.ok).map((x: { name: string }) => x.name), ['http_req_failed: rate<0.001']);
});

test('runs are listed newest first, per scenario', async () => {
  for (const p95 of [10, 20, 30]) {
    const s = structuredClone(k6);
    s.metrics.http_req_duration.values['p(95)'] = p95;
    assert.equal((await post('scenario=ordered&format=k6', s)).statusCode, 201);
  }
  await post('scenario=other&format=k6', k6);
  const items = (await t.app.inject({ url: '/api/v1/loadtest-runs?scenario=ordered', headers: bearer(viewer) })).json().items;
  assert.deepEqual(items.map((r: { p95Ms: number }) => r.p95Ms), [30, 20, 10]);
});

test('a malformed summary is refused with a 400 naming the field, and nothing is stored', async () => {
  const bad = structuredClone(k6);
  bad.metrics.http_req_duration.values['p(95)'] = 'fast';
  const res = await post('scenario=malformed&format=k6', bad);
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /body\.metrics\.http_req_duration\.values\["p\(95\)"\] must be number/);
  const list = await t.app.inject({ url: '/api/v1/loadtest-runs?scenario=malformed', headers: bearer(viewer) });
  assert.deepEqual(list.json().items, []);
});

test('an unknown format or a missing scenario is a 400 naming the query field', async () => {
  assert.match((await post('scenario=x&format=jmeter', k6)).json().message, /querystring\.format must be one of "k6", "local"/);
  assert.match((await post('format=k6', k6)).json().message, /querystring is missing the required field "scenario"/);
});

test('a local summary is stored under its own scenario only', async () => {
  const local = {
    format: 'pilothouse-loadtest/v1', scenario: 'console-reads', profile: 'ci', target: 'http://127.0.0.1:1', revision: 'deadbeef',
    startedAt: '2026-12-03T10:00:00.000Z', durationS: 10, rate: 200, throughput: 199.5,
    total: { route: 'all', requests: 2000, errors: 0, errorRate: 0, latencyMs: { p50: 2, p90: 4, p95: 5, p99: 9, max: 30, mean: 2.5 }, statuses: { 200: 2000 } },
    routes: [], thresholds: [{ name: 'p(95)<200', slo: 'api-latency-p95-200ms', scope: 'all', value: 5, ok: true }], passed: true,
  };
  const ok = await post('scenario=console-reads&format=local', local);
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(ok.json().revision, 'deadbeef');
  assert.equal(ok.json().profile, 'ci');
  const wrong = await post('scenario=usage-ingest&format=local', local);
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.json().message, /body\.scenario is "console-reads" but the URL names usage-ingest/);
});

test('the loadtest token can post runs and nothing else, not even read them', async () => {
  assert.equal((await t.app.inject({ url: '/api/v1/loadtest-runs', headers: bearer(ci) })).statusCode, 403);
  assert.deepEqual((await t.app.inject({ url: '/api/v1/tenants', headers: bearer(ci) })).json(), [], 'it sees no tenant');
  assert.equal((await t.app.inject({ url: '/api/v1/slos', headers: bearer(ci) })).statusCode, 403);
  assert.equal((await post('scenario=x&format=k6', k6, viewer)).statusCode, 403);
});
