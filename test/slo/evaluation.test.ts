// The SLO engine over PostgreSQL: sources (request rollups, workspace transitions, usage
// events), minute evaluations and alert changes, and the API that shows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { PostgresSource } from '../../slo/sources/postgres.ts';
import { compileSpecs } from '../../slo/openslo/compile.ts';
import { parseYaml } from '../../slo/openslo/load.ts';
import type { SloDefinition } from '../../slo/openslo/types.ts';
import { requestErrorsSpec } from './fixtures.ts';

const t = await buildTestApp();
const sre = await t.token('sre');
const viewer = await t.token('viewer');
const MINUTE = 60_000;
const now = () => new Date(Math.floor(Date.now() / MINUTE) * MINUTE);

const spec = (name: string, service: string, target = 0.999) => requestErrorsSpec(name, service, { target });

/** One rollup row per minute for the last `minutes` minutes. */
async function rollups(service: string, minutes: number, requests: number, errors: number, route = 'GET /x') {
  const end = now().getTime();
  for (let i = 1; i <= minutes; i++) {
    const buckets = new Array(20).fill(0);
    buckets[5] = requests; // all within 50 ms
    await t.db.query(
      `INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, $1, $2, $3, $4, $5, 0, $6)`,
      [service, route, new Date(end - i * MINUTE), requests, errors, buckets]);
  }
}

const evaluate = () => t.app.inject({ method: 'POST', url: '/api/v1/slos/evaluate', headers: bearer(sre), payload: {} });

test('an SLO submitted through the API is listed with the repository\'s', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec('checkout-errors', 'checkout') } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().origin, 'api');
  const list = await t.app.inject({ url: '/api/v1/slos', headers: bearer(viewer) });
  const names = list.json().items.map((x: { name: string }) => x.name);
  assert.ok(names.includes('checkout-errors'));
  assert.ok(names.includes('api-availability-999'));
});

test('a 2% error ratio for the last hour pages, with burn rate 20 and the runbook of the page section', async () => {
  await rollups('checkout', 70, 1000, 20);
  assert.equal((await evaluate()).statusCode, 200);
  const detail = (await t.app.inject({ url: '/api/v1/slos/checkout-errors', headers: bearer(viewer) })).json();
  assert.equal(detail.latest.alert, 'page');
  const burn1h = detail.latest.burnRates.find((b: { window: string }) => b.window === '1h');
  assert.ok(Math.abs(burn1h.burnRate - 20) < 1e-9, String(burn1h.burnRate));
  assert.equal(detail.latest.events, 70_000);
  assert.equal(detail.latest.badEvents, 1400);
  assert.ok(Math.abs(detail.latest.budgetRemaining - (1 - 0.02 / 0.001)) < 1e-9);
  const page1h = detail.latest.tiers.find((x: { long: string }) => x.long === '1h');
  assert.equal(page1h.firing, true);
  const alerts = (await t.app.inject({ url: '/api/v1/slos/checkout-errors/alerts', headers: bearer(viewer) })).json().items;
  assert.equal(alerts.length, 1);
  assert.deepEqual([alerts[0].from, alerts[0].to, alerts[0].severity], ['none', 'page', 'page']);
  assert.match(alerts[0].runbookUrl, /\/runbooks\/platform-error-rate\.md#page$/);
});

test('a second evaluation in the same minute is absorbed and records no second alert change', async () => {
  await evaluate();
  const alerts = (await t.app.inject({ url: '/api/v1/slos/checkout-errors/alerts', headers: bearer(viewer) })).json().items;
  assert.equal(alerts.length, 1);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM slo_evaluations WHERE slo_name = 'checkout-errors'`);
  assert.equal(rows[0].n, 1);
});

test('the list puts the SLO with the least budget left first', async () => {
  await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec('search-errors', 'search') } });
  await rollups('search', 70, 2000, 0);
  await t.db.query(`DELETE FROM slo_evaluations`);
  await evaluate();
  const items = (await t.app.inject({ url: '/api/v1/slos', headers: bearer(viewer) })).json().items as { name: string; latest: { budgetRemaining: number | null } | null }[];
  const ours = items.filter((x) => x.name === 'checkout-errors' || x.name === 'search-errors').map((x) => x.name);
  assert.deepEqual(ours, ['checkout-errors', 'search-errors']);
  const budgets = items.map((x) => x.latest?.budgetRemaining ?? Infinity);
  assert.deepEqual(budgets, [...budgets].sort((a, b) => a - b));
});

test('one failed request among a few is flagged low-traffic and does not page', async () => {
  await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec('quiet-errors', 'quiet') } });
  await rollups('quiet', 3, 1, 0);
  await t.db.query(`INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, 'quiet', 'GET /y', $1, 1, 1, 0, $2)`,
    [new Date(now().getTime() - MINUTE), new Array(20).fill(0).map((_, i) => (i === 5 ? 1 : 0))]);
  await t.db.query(`DELETE FROM slo_evaluations`);
  await evaluate();
  const d = (await t.app.inject({ url: '/api/v1/slos/quiet-errors', headers: bearer(viewer) })).json();
  assert.equal(d.latest.lowTraffic, true);
  assert.equal(d.minimumEvents, 1000);
  assert.equal(d.latest.alert, 'none');
  assert.ok(d.latest.tiers.some((x: { suppressedLowTraffic: boolean }) => x.suppressedLowTraffic));
});

test('history returns the SLI and budget over time', async () => {
  const h = (await t.app.inject({ url: '/api/v1/slos/checkout-errors/history', headers: bearer(viewer) })).json();
  assert.ok(h.points.length >= 1);
  assert.ok(Math.abs(h.points.at(-1).sli - 0.98) < 1e-9);
});

test('compliance per calendar month is total bad over total events, and exports as CSV', async () => {
  const json = (await t.app.inject({ url: '/api/v1/slos/checkout-errors/compliance?months=2', headers: bearer(viewer) })).json();
  assert.equal(json.items.length, 2);
  const total = json.items.reduce((a: number, m: { events: number }) => a + m.events, 0);
  assert.equal(total, 70_000);
  const csv = await t.app.inject({ url: '/api/v1/slos/checkout-errors/compliance?months=2&format=csv', headers: bearer(viewer) });
  assert.match(csv.headers['content-type'] as string, /text\/csv/);
  assert.match(csv.body.split('\n')[0]!, /^month,events,badEvents,sli,objective,budgetRemaining,met$/);
  assert.match(csv.body, /,no\n/);
});

test('an invalid spec is a 400 naming the field and the fix, and nothing is stored', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec('broken', 'x', 99.9) } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /spec\.objectives\[0\]\.target: 99\.9 must be < 1; fix: write a fraction in \[0, 1\) such as 0\.999/);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM slo_specs WHERE name = 'broken'`);
  assert.equal(rows[0].n, 0);
});

test('a name already used is a 409, and a repository SLO cannot be replaced or deleted through the API', async () => {
  const dup = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec('checkout-errors', 'checkout') } });
  assert.equal(dup.statusCode, 409);
  const repo = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec('api-availability-999', 'checkout') } });
  assert.equal(repo.statusCode, 409);
  assert.match(repo.json().message, /slo\/specs\/api-availability\.yaml/);
  const del = await t.app.inject({ method: 'DELETE', url: '/api/v1/slos/api-availability-999', headers: bearer(sre) });
  assert.equal(del.statusCode, 409);
  const missing = await t.app.inject({ method: 'DELETE', url: '/api/v1/slos/no-such-slo', headers: bearer(sre) });
  assert.equal(missing.statusCode, 404);
});

test('viewers read SLOs but cannot change them; tenant roles cannot see them', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(viewer), payload: { spec: spec('nope', 'x') } });
  assert.equal(res.statusCode, 403);
  const tenant = await t.tenant();
  const owner = await t.token('owner', tenant.id);
  assert.equal((await t.app.inject({ url: '/api/v1/slos', headers: bearer(owner) })).statusCode, 403);
});

test('an SLO whose source is Prometheus says so when PROMETHEUS_URL is unset, without a 5xx that would burn Pilothouse\'s own availability SLO', async () => {
  const d = (await t.app.inject({ url: '/api/v1/slos/api-availability-999', headers: bearer(viewer) })).json();
  assert.equal(d.latest.alert, 'unknown');
  assert.match(d.latest.error, /set PROMETHEUS_URL/);
  const compliance = await t.app.inject({ url: '/api/v1/slos/api-availability-999/compliance', headers: bearer(viewer) });
  assert.equal(compliance.statusCode, 200);
  assert.deepEqual(compliance.json().items, []);
  assert.match(compliance.json().unavailable, /set PROMETHEUS_URL/);
});

test('runbooks are served as Markdown', async () => {
  const res = await t.app.inject({ url: '/api/v1/runbooks/api-availability-999.md', headers: bearer(viewer) });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /^## Page$/m);
  assert.equal((await t.app.inject({ url: '/api/v1/runbooks/nope.md', headers: bearer(viewer) })).statusCode, 404);
});

// Sources read directly, with known rows.
function compileOne(yaml: string): SloDefinition {
  const head = `apiVersion: openslo/v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n---\n`;
  const r = compileSpecs(parseYaml(head + yaml, 'x.yaml').docs);
  assert.deepEqual(r.problems, []);
  return r.slos[0]!;
}
const threshold = (dataset: string, value: number, extra = '') => compileOne(`apiVersion: openslo/v1
kind: SLO
metadata: {name: t}
spec:
  service: s
  indicator:
    metadata: {name: t}
    spec: {thresholdMetric: {metricSource: {type: PostgreSQL, spec: {dataset: ${dataset}${extra}}}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: ${value}, target: 0.9}]
`);

test('workspace startup counts each start from request to running; failed and stuck startups are bad', async () => {
  const tenant = await t.tenant();
  const base = Date.now() - 10 * MINUTE;
  const ws = async (name: string, steps: [string | null, string, number][], state: string) => {
    const { rows } = await t.db.query(`INSERT INTO workspaces (tenant_id, name, region, state) VALUES ($1, $2, 'eu-west-1', $3) RETURNING id`, [tenant.id, name, state]);
    for (const [from, to, sec] of steps) {
      await t.db.query(`INSERT INTO workspace_transitions (workspace_id, tenant_id, from_state, to_state, at) VALUES ($1, $2, $3, $4, $5)`, [rows[0].id, tenant.id, from, to, new Date(base + sec * 1000)]);
    }
  };
  await ws('fast', [[null, 'pending', 0], ['pending', 'starting', 2], ['starting', 'running', 12]], 'running'); // 12 s from the request
  await ws('slow', [[null, 'pending', 0], ['pending', 'starting', 1], ['starting', 'running', 45]], 'running'); // 45 s
  await ws('failed', [[null, 'pending', 0], ['pending', 'starting', 1], ['starting', 'error', 5]], 'error');
  // Paused, then resumed in 8 s: the resume is a startup of its own, measured from `starting`.
  await ws('resumed', [[null, 'pending', 0], ['pending', 'starting', 1], ['starting', 'running', 10], ['running', 'paused', 100], ['paused', 'starting', 200], ['starting', 'running', 208]], 'running');
  await ws('stuck', [[null, 'pending', 0], ['pending', 'starting', 1]], 'starting'); // started ~10 min ago, still starting
  const src = new PostgresSource(t.db);
  const slo = threshold('workspace_startup', 30);
  const [c] = await src.counts(slo, [{ from: new Date(base - MINUTE), to: new Date() }]);
  // Startups: fast(12) ok, slow(45) bad, failed bad, resumed first(10) ok, resumed second(8) ok, stuck bad.
  assert.deepEqual(c, { total: 6, bad: 3 });
});

test('usage ingestion freshness counts events by the delay between their time and their storage', async () => {
  const tenant = await t.tenant();
  const at = new Date();
  await t.db.query('SELECT usage_ensure_partition($1)', [new Date(at.getTime() - 3_600_000)]);
  await t.db.query('SELECT usage_ensure_partition($1)', [at]);
  for (const [i, lagS] of [10, 20, 400, 30].entries()) {
    await t.db.query(`INSERT INTO usage_events (tenant_id, time, meter, quantity, source, event_id, received_at) VALUES ($1, $2, 'api.calls', 1, 'test', $3, $4)`,
      [tenant.id, new Date(at.getTime() - lagS * 1000), `e${i}`, at]);
  }
  const [c] = await new PostgresSource(t.db).counts(threshold('usage_ingestion', 300), [{ from: new Date(at.getTime() - MINUTE), to: new Date(at.getTime() + 1) }]);
  assert.deepEqual(c, { total: 4, bad: 1 });
});

test('a usage ratio sums quantities by dimension, leaving out cancelled events', async () => {
  const tenant = await t.tenant();
  const at = new Date(Date.now() - MINUTE);
  await t.db.query('SELECT usage_ensure_partition($1)', [at]);
  const add = (id: string, pool: string, q: number) => t.db.query(`INSERT INTO usage_events (tenant_id, time, meter, quantity, source, event_id, dimensions) VALUES ($1, $2, 'compute.seconds', $3, 'spot-test', $4, $5)`,
    [tenant.id, at, q, id, JSON.stringify({ pool, region: 'eu' })]);
  await add('a', 'spot', 300);
  await add('b', 'on-demand', 600);
  await add('c', 'spot', 100);
  await t.db.query(`INSERT INTO usage_cancellations (tenant_id, source, event_id, event_time) VALUES ($1, 'spot-test', 'c', $2)`, [tenant.id, at]);
  const slo = compileOne(`apiVersion: openslo/v1
kind: SLO
metadata: {name: spot}
spec:
  service: s
  indicator:
    metadata: {name: spot}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: PostgreSQL, spec: {dataset: usage, meter: compute.seconds, pool: spot}}}
        total: {metricSource: {type: PostgreSQL, spec: {dataset: usage, meter: compute.seconds}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.3}]
`);
  const [c] = await new PostgresSource(t.db).counts(slo, [{ from: new Date(at.getTime() - MINUTE), to: new Date() }]);
  assert.deepEqual(c, { total: 900, bad: 600 });
});

test('request latency thresholds read the rollup buckets, and a bound that is not a bucket is refused', async () => {
  await rollups('lat', 5, 100, 0, 'GET /lat');
  const src = new PostgresSource(t.db);
  const range = [{ from: new Date(Date.now() - 10 * MINUTE), to: new Date() }];
  const within = threshold('requests', 0.05, ', service: lat');
  assert.deepEqual((await src.counts(within, range))[0], { total: 500, bad: 0 });
  const tight = threshold('requests', 0.025, ', service: lat');
  assert.deepEqual((await src.counts(tight, range))[0], { total: 500, bad: 500 });
  await assert.rejects(src.counts(threshold('requests', 0.03, ', service: lat'), range), /not a bucket bound/);
});

test('Timeslices: minutes missing the slice target are bad slices, counted against all slices of the period', async () => {
  const { measure } = await import('../../slo/evaluate/measure.ts');
  const { evaluateSlo } = await import('../../slo/evaluate/evaluate.ts');
  const end = now().getTime();
  for (const [ago, errors] of [[3, 10], [4, 10], [5, 1], [6, 0]] as const) {
    await t.db.query(`INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, 'sliced', 'GET /', $1, 100, $2, 0, $3)`,
      [new Date(end - ago * MINUTE), errors, new Array(20).fill(0)]);
  }
  const slo = compileOne(`apiVersion: openslo/v1
kind: SLO
metadata: {name: sliced}
spec:
  service: s
  indicator:
    metadata: {name: sliced}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: sliced, outcome: error}}}
        total: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: sliced}}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1m}]
`);
  const at = new Date();
  const m = await measure(slo, new PostgresSource(t.db), at);
  // 10% errors miss the 95% slice target; 1% does not.
  assert.equal(m.periodCounts.bad, 2);
  assert.ok(m.periodCounts.total >= 1440 && m.periodCounts.total <= 1441, String(m.periodCounts.total));
  assert.equal(m.periodEvents, 400);
  // A 1-day period scales the alert windows down (its 6h page tier becomes 51m).
  assert.equal(m.windows.get(51 * MINUTE)!.bad, 2);
  const e = evaluateSlo(slo, m, at);
  assert.ok(Math.abs(e.sli! - (1 - 2 / m.periodCounts.total)) < 1e-12);
  assert.equal(e.lowTraffic, false);
});

test('an SLO with two objectives: each has its own budget, alerts and history, and the list shows both', async () => {
  const two = spec('cart-errors', 'cart').replace('objectives: [{target: 0.999}]', 'objectives: [{displayName: lenient, target: 0.9}, {displayName: strict, target: 0.999}]');
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: two } })).statusCode, 201);
  await rollups('cart', 70, 1000, 20); // 2%: within the lenient budget (10%), burning the strict one at 20
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/slos/evaluate', headers: bearer(sre), payload: { slos: ['cart-errors'] } })).statusCode, 200);
  const items = (await t.app.inject({ url: '/api/v1/slos', headers: bearer(viewer) })).json().items.filter((x: { name: string }) => x.name === 'cart-errors');
  assert.deepEqual(items.map((x: { objectiveIndex: number; objectiveName: string; latest: { alert: string } }) => [x.objectiveIndex, x.objectiveName, x.latest.alert]).sort(), [[0, 'lenient', 'none'], [1, 'strict', 'page']]);
  const strict = (await t.app.inject({ url: '/api/v1/slos/cart-errors?objective=1', headers: bearer(viewer) })).json();
  assert.ok(Math.abs(strict.latest.budgetRemaining - (1 - 0.02 / 0.001)) < 1e-9);
  assert.deepEqual(strict.objectives.map((o: { objectiveIndex: number }) => o.objectiveIndex), [0, 1]);
  const lenient = (await t.app.inject({ url: '/api/v1/slos/cart-errors', headers: bearer(viewer) })).json();
  assert.ok(Math.abs(lenient.latest.budgetRemaining - (1 - 0.02 / 0.1)) < 1e-9);
  const alerts = (o: number) => t.app.inject({ url: `/api/v1/slos/cart-errors/alerts?objective=${o}`, headers: bearer(viewer) }).then((r) => r.json().items.length);
  assert.deepEqual([await alerts(0), await alerts(1)], [0, 1]);
  const history = (await t.app.inject({ url: '/api/v1/slos/cart-errors/history?objective=1', headers: bearer(viewer) })).json();
  assert.ok(Math.abs(history.points.at(-1).budgetRemaining - (1 - 0.02 / 0.001)) < 1e-9);
  assert.equal((await t.app.inject({ url: '/api/v1/slos/cart-errors?objective=2', headers: bearer(viewer) })).statusCode, 404);
});

test('POST /api/v1/slos/validate reports without storing: errors, warnings for SLOs not evaluated, notices', async () => {
  const datadog = spec('dd-errors', 'x').replace(/metricSourceRef: pilothouse-postgres, spec: \{dataset: requests, service: x(, outcome: error)?\}/g, "type: Datadog, spec: {query: 'sum:errors'}");
  const r = (await t.app.inject({ method: 'POST', url: '/api/v1/slos/validate', headers: bearer(viewer), payload: { spec: datadog } })).json();
  assert.equal(r.valid, true);
  assert.deepEqual(r.errors, []);
  assert.match(r.warnings[0].text, /Datadog is not a source Pilothouse reads/);
  const bad = (await t.app.inject({ method: 'POST', url: '/api/v1/slos/validate', headers: bearer(viewer), payload: { spec: spec('v', 'x', 99.9) } })).json();
  assert.equal(bad.valid, false);
  assert.equal(bad.errors[0].field, 'spec.objectives[0].target');
  // Posting the Datadog SLO is refused with the same reason: nothing could evaluate it.
  const post = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: datadog } });
  assert.equal(post.statusCode, 400);
  assert.match(post.json().message, /Datadog is not a source Pilothouse reads/);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM slo_specs WHERE name IN ('dd-errors', 'v')`);
  assert.equal(rows[0].n, 0);
});

test('the platform error rate leaves health checks and scrapes out', async () => {
  const slo = compileOne(`apiVersion: openslo/v1
kind: SLO
metadata: {name: excl}
spec:
  service: s
  indicator:
    metadata: {name: excl}
    spec:
      ratioMetric:
        bad: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: probe, excludeRoute: [/healthz, /metrics], outcome: error}}}
        total: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: probe, excludeRoute: [/healthz, /metrics]}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`);
  await rollups('probe', 5, 10, 10, 'GET /healthz');
  await rollups('probe', 5, 10, 10, '/metrics');
  await rollups('probe', 5, 100, 1, 'GET /api/v1/me');
  const [c] = await new PostgresSource(t.db).counts(slo, [{ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) }]);
  assert.deepEqual(c, { total: 500, bad: 5 });
});

test('a pass read ahead in one scan of the request rollups gives the same counts as each SLO querying alone', async () => {
  const { measure } = await import('../../slo/evaluate/measure.ts');
  await rollups('ahead', 90, 500, 3, 'GET /a');
  await rollups('ahead', 90, 100, 50, 'GET /healthz');
  // Older minutes, read from hourly sums except around the 1-day window's start.
  const buckets = new Array(20).fill(0).map((_, i) => (i === 3 ? 7 : i === 9 ? 3 : 0));
  await t.db.query(
    `INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets)
     SELECT NULL, 'ahead', 'GET /a', m, 10, (extract(epoch FROM m)::bigint / 60) % 3, 0, $1
       FROM generate_series(date_trunc('minute', now()) - interval '27 hours', date_trunc('minute', now()) - interval '20 hours', interval '1 minute') m`, [buckets]);
  const a = compileOne(`apiVersion: openslo/v1
kind: SLO
metadata: {name: ahead}
spec:
  service: s
  indicator:
    metadata: {name: ahead}
    spec:
      ratioMetric:
        good: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: ahead, excludeRoute: /healthz, outcome: success}}}
        total: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: ahead, excludeRoute: /healthz}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`);
  const lat = compileOne(`apiVersion: openslo/v1
kind: SLO
metadata: {name: ahead-latency}
spec:
  service: s
  indicator:
    metadata: {name: ahead-latency}
    spec:
      thresholdMetric: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: ahead}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: gte, value: 0.05, target: 0.9}]
`);
  const at = new Date();
  let queries = 0;
  const counting = new Proxy(t.db, {
    get: (o, k) => {
      if (k !== 'query') return Reflect.get(o, k);
      return (...args: unknown[]) => {
        queries++;
        return (o.query as (...x: unknown[]) => unknown).apply(o, args);
      };
    },
  });
  // Twice: the first pass sums the old hours, the second reads them summed.
  for (const round of [1, 2]) {
    queries = 0;
    const ahead = new PostgresSource(counting);
    await ahead.prepare([a, lat], at);
    for (const slo of [a, lat]) {
      const alone = await measure(slo, new PostgresSource(t.db), at);
      const pass = await measure(slo, ahead, at);
      assert.deepEqual(pass.periodCounts, alone.periodCounts, `${slo.name}, pass ${round}`);
      assert.deepEqual([...pass.windows], [...alone.windows], `${slo.name}, pass ${round}`);
      assert.ok(alone.periodCounts.total > 0);
    }
    assert.equal(queries, 2, 'the hours summed (none left the second time), then one scan answered both SLOs');
  }
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM slo_request_hours WHERE service = 'ahead'`);
  assert.ok(rows[0].n >= 4, 'old hours were summed');
});

test('an SLO leads to what burned it: the slow, failed and stuck startups themselves, each with its workspace', async () => {
  const tenant = await t.tenant();
  const base = Date.now() - 10 * MINUTE;
  const ws = async (name: string, steps: [string | null, string, number][], state: string) => {
    const { rows } = await t.db.query(`INSERT INTO workspaces (tenant_id, name, region, state) VALUES ($1, $2, 'eu-west-1', $3) RETURNING id`, [tenant.id, name, state]);
    for (const [from, to, sec] of steps) {
      await t.db.query(`INSERT INTO workspace_transitions (workspace_id, tenant_id, from_state, to_state, at) VALUES ($1, $2, $3, $4, $5)`, [rows[0].id, tenant.id, from, to, new Date(base + sec * 1000)]);
    }
    return rows[0].id as string;
  };
  await ws('bad-fast', [[null, 'pending', 0], ['pending', 'starting', 2], ['starting', 'running', 12]], 'running');
  const slow = await ws('bad-slow', [[null, 'pending', 0], ['pending', 'starting', 1], ['starting', 'running', 119]], 'running');
  const failed = await ws('bad-failed', [[null, 'pending', 0], ['pending', 'starting', 1], ['starting', 'error', 5]], 'error');
  const slos = (await t.app.inject({ url: '/api/v1/slos', headers: bearer(viewer) })).json().items as { name: string; sourceType: string }[];
  const startup = slos.find((s) => s.name.startsWith('workspace-startup'))!;
  const res = await t.app.inject({ url: `/api/v1/slos/${startup.name}/bad-events?from=${new Date(base - MINUTE).toISOString()}&to=${new Date().toISOString()}`, headers: bearer(viewer) });
  assert.equal(res.statusCode, 200, res.body);
  const mine = (res.json().items as { workspaceId: string; workspaceName: string; tenantId: string; seconds: number; outcome: string }[]).filter((e) => e.tenantId === tenant.id);
  assert.deepEqual(mine.map((e) => [e.workspaceId, e.workspaceName, e.outcome]).sort(), [[slow, 'bad-slow', 'slow'], [failed, 'bad-failed', 'failed']].sort());
  assert.equal(mine.find((e) => e.workspaceId === slow)?.seconds, 119);
  // A Prometheus SLI leads to its queries instead.
  const prom = slos.find((s) => s.sourceType === 'Prometheus')!;
  const q = await t.app.inject({ url: `/api/v1/slos/${prom.name}/bad-events?from=${new Date(base).toISOString()}&to=${new Date().toISOString()}`, headers: bearer(viewer) });
  assert.equal(q.statusCode, 200);
  assert.ok(q.json().queries.length > 0);
});
