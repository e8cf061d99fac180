// The k6 options in loadtests/k6/options/ are what `pilothouse loadtest k6` writes from the
// SLO specs and scenarios (so they cannot drift), and k6 could run them: every scenario a
// constant-arrival-rate executor with the fields it needs, every threshold an expression
// k6's threshold grammar accepts, durations in k6's notation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K6_OPTIONS_DIR, k6OptionsFor, renderK6Options } from '../../loadtests/k6-options.ts';
import { SCENARIOS } from '../../loadtests/scenarios/index.ts';
import { compileSpecDir } from '../../slo/catalog.ts';

const { slos } = await compileSpecDir();
const CLI = join(import.meta.dirname, '../../server/cli.ts');

// k6's threshold grammar (lib/thresholds.go): an aggregation method, an operator, a number.
const AGGREGATION = String.raw`(?:count|rate|value|avg|min|max|med|p\((?:\d+(?:\.\d+)?)\))`;
const THRESHOLD = new RegExp(String.raw`^\s*${AGGREGATION}\s*(?:<=|>=|===|==|!=|<|>)\s*-?\d+(?:\.\d+)?(?:e-?\d+)?\s*$`);
// k6 durations (Go time.ParseDuration without the sign): 10s, 1m30s, 250ms.
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const METRIC = /^[A-Za-z_][A-Za-z0-9_]*(?:\{[^{}]+\})?$/;

/** Parses generated options as k6 reads them; returns the problems found. */
function k6Problems(options: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const [name, sc] of Object.entries<Record<string, any>>(options.scenarios ?? {})) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) problems.push(`scenario name ${name}`);
    if (sc.executor !== 'constant-arrival-rate') problems.push(`${name}: executor ${sc.executor}`);
    for (const f of ['rate', 'preAllocatedVUs', 'maxVUs']) if (!Number.isInteger(sc[f]) || sc[f] <= 0) problems.push(`${name}.${f} = ${sc[f]}`);
    if (sc.maxVUs < sc.preAllocatedVUs) problems.push(`${name}: maxVUs below preAllocatedVUs`);
    for (const f of ['timeUnit', 'duration', 'gracefulStop']) if (!DURATION.test(sc[f])) problems.push(`${name}.${f} = ${sc[f]}`);
  }
  if (!Object.keys(options.scenarios ?? {}).length) problems.push('no scenarios');
  for (const [metric, exprs] of Object.entries<unknown>(options.thresholds ?? {})) {
    if (!METRIC.test(metric)) problems.push(`threshold metric ${metric}`);
    if (!Array.isArray(exprs) || !exprs.length) problems.push(`${metric}: thresholds must be a non-empty list`);
    for (const e of exprs as unknown[]) if (typeof e !== 'string' || !THRESHOLD.test(e)) problems.push(`${metric}: ${JSON.stringify(e)}`);
  }
  for (const s of options.summaryTrendStats ?? []) if (!new RegExp(`^${AGGREGATION}$`).test(s)) problems.push(`summaryTrendStats ${s}`);
  return problems;
}

test('the committed k6 options are what the generator writes today', () => {
  const committed = readdirSync(K6_OPTIONS_DIR).filter((f) => f.endsWith('.json')).toSorted();
  assert.deepEqual(committed, SCENARIOS.map((s) => `${s.name}.json`).toSorted());
  for (const s of SCENARIOS) {
    assert.equal(readFileSync(join(K6_OPTIONS_DIR, `${s.name}.json`), 'utf8'), renderK6Options(k6OptionsFor(s, slos)),
      `loadtests/k6/options/${s.name}.json is stale: run npx pilothouse loadtest k6`);
  }
});

test('every profile of every scenario parses as k6 options', () => {
  for (const s of SCENARIOS) {
    for (const [profile, options] of Object.entries(k6OptionsFor(s, slos).profiles)) {
      assert.deepEqual(k6Problems(options as never), [], `${s.name} ${profile}`);
    }
  }
});

test('the parser refuses what k6 would refuse', () => {
  const good = k6OptionsFor(SCENARIOS[0]!, slos).profiles.ci as unknown as Record<string, any>;
  assert.deepEqual(k6Problems(good), []);
  assert.notDeepEqual(k6Problems({ ...good, thresholds: { http_req_duration: ['p95 < 200'] } }), []);
  assert.notDeepEqual(k6Problems({ ...good, thresholds: { http_req_duration: ['p(95)<'] } }), []);
  const sc = Object.values(good.scenarios as Record<string, object>)[0]!;
  assert.notDeepEqual(k6Problems({ ...good, scenarios: { x: { ...sc, duration: '10 seconds' } } }), []);
  assert.notDeepEqual(k6Problems({ ...good, scenarios: { x: { ...sc, executor: 'constant-vus' } } }), []);
});

test('k6 thresholds are the SLOs\' limits: p95 < 200 ms and an error rate below 0.1% for the API', () => {
  const options = k6OptionsFor(SCENARIOS.find((s) => s.name === 'console-reads')!, slos).profiles.ci;
  assert.deepEqual(options.thresholds, { http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.001'] });
  assert.equal(options.scenarios['console-reads']!.rate, 200);
});

test('pilothouse loadtest k6 --scenario writes that scenario\'s options', () => {
  const out = mkdtempSync(join(tmpdir(), 'k6-options-'));
  const r = spawnSync(process.execPath, [CLI, 'loadtest', 'k6', '--scenario', 'usage-ingest', '--out', out], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out), ['usage-ingest.json']);
  assert.equal(readFileSync(join(out, 'usage-ingest.json'), 'utf8'), readFileSync(join(K6_OPTIONS_DIR, 'usage-ingest.json'), 'utf8'));
  const bad = spawnSync(process.execPath, [CLI, 'loadtest', 'k6', '--scenario', 'nope', '--out', out], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no scenario named nope/);
});
