// The rule defects of issue 17, each pinned by a golden file and a focused assertion, and
// every rule file run through promtool (check rules, and the generated unit tests).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileFiles } from '../../slo/catalog.ts';
import { generateRules, type AlertingRule, type RecordingRule } from '../../slo/rules/generate.ts';
import { renderRules } from '../../slo/rules/render.ts';
import { toYaml } from '../../slo/rules/yaml.ts';
import { skipWithout, TOOLS } from '../tools.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-defects-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = join(import.meta.dirname, 'fixtures/rules/defects.yaml');
const GOLDEN = join(import.meta.dirname, 'golden/defects.rules.yaml');
const BASE = 'https://pilothouse.example.com';

const { slos, problems, notices } = await compileFiles([FIXTURE]);
const g = generateRules(slos, { runbookBaseUrl: BASE });
const rulesOf = (id: string) => g.file.groups.filter((x) => x.name.endsWith(`-${id}`)).flatMap((x) => x.rules);
const alerts = g.file.groups.flatMap((x) => x.rules).filter((r): r is AlertingRule => 'alert' in r);

test('the defects fixture compiles: single-file SLOs imply their Services, with a notice', () => {
  assert.deepEqual(problems, []);
  assert.deepEqual(notices.filter((n) => n.level === 'notice' && n.field === 'spec.service').map((n) => n.name), ['day', 'b-c', 'c', 'latency']);
});

test('rules match the golden file (UPDATE_GOLDEN=1 rewrites it)', async () => {
  const r = await renderRules({ files: [FIXTURE], runbookBaseUrl: BASE });
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, r.rules);
  assert.equal(r.rules, readFileSync(GOLDEN, 'utf8'));
});

test('a 1-day period: no rule recorded twice, no page factor below 1, no window as long as the period', () => {
  const rules = rulesOf('a-b/day');
  const keys = rules.map((r) => ('record' in r ? `${r.record}${JSON.stringify(r.labels)}` : r.alert));
  assert.deepEqual(keys, [...new Set(keys)]);
  const day = slos.find((s) => s.name === 'day')!;
  for (const t of day.tiers) {
    assert.ok(t.longMs < day.period.ms, `long window ${t.longMs}`);
    if (t.severity === 'page') assert.ok(t.factor >= 1, `page factor ${t.factor}`);
  }
  // Each tier still spends about the share of the budget it does at 7 days: factor × long ÷ period.
  for (const t of day.tiers) {
    const share = (t.factor * t.longMs) / day.period.ms;
    assert.ok(Math.abs(share - t.budgetShare!) <= 0.2 * t.budgetShare!, `${share} vs ${t.budgetShare}`);
  }
});

test('a 7-day period keeps Sloth\'s windows and factors (3.36, 1.4, 0.7, 0.233)', () => {
  const s = slos.find((x) => x.name === 'b-c')!;
  assert.deepEqual(s.tiers.map((t) => Number(t.factor.toFixed(3))), [3.36, 1.4, 0.7, 0.233]);
  assert.deepEqual(s.tiers.map((t) => t.longMs / 3_600_000), [1, 6, 24, 72]);
});

test('ids cannot collide: service a-b + SLO c and service a + SLO b-c', () => {
  const names = g.file.groups.map((x) => x.name);
  assert.deepEqual(names, [...new Set(names)]);
  assert.ok(names.includes('sloth-slo-sli-recordings-a-b/c'));
  assert.ok(names.includes('sloth-slo-sli-recordings-a/b-c'));
});

test('label keys with "-" and "." become valid Prometheus label names, and the notes say so', () => {
  const a = alerts.find((x) => x.alert === 'DayPageBurnRate')!;
  assert.equal(a.labels.team_name, 'payments');
  assert.equal(a.labels.cost_centre, '42');
  for (const k of Object.keys(a.labels)) assert.match(k, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  assert.ok(g.notes.some((n) => n.includes('label team.name is written as team_name')));
});

test('op: gte is written as >=, and alertAfter: 0m adds no `for`', () => {
  const a = alerts.find((x) => x.alert === 'CPageBurnRate')!;
  assert.match(a.expr, /slo:sli_error:ratio_rate1h\{[^}]*\} >= \(14 \* 0\.001\)/);
  assert.equal(a.for, undefined);
});

test('window names are Sloth\'s: 4w for 28 days, 1w for 7 days', () => {
  const record = (id: string) => rulesOf(id).filter((r): r is RecordingRule => 'record' in r).map((r) => r.record);
  assert.ok(record('a-b/c').includes('slo:sli_error:ratio_rate4w'));
  assert.ok(record('a/b-c').includes('slo:sli_error:ratio_rate1w'));
  assert.ok(!record('a-b/c').some((r) => r.endsWith('28d')));
});

test('a bad-events counter without series yet counts 0, so SLI and budget exist before the first error', () => {
  const r5m = rulesOf('a-b/day').find((r): r is RecordingRule => 'record' in r && r.record === 'slo:sli_error:ratio_rate5m')!;
  assert.match(r5m.expr, /^\(sum\(rate\(req_total\{code=~"5\.\."\}\[5m\]\)\) or vector\(0\)\)\n\//);
});

test('several objectives: each its own id, budget and alerts', () => {
  const lat = slos.filter((s) => s.name === 'latency');
  assert.deepEqual(lat.map((s) => [s.objectiveIndex, s.objective, s.objectiveName]), [[0, 0.99, 'within 300 ms'], [1, 0.999, 'within 1 s']]);
  assert.ok(g.file.groups.some((x) => x.name === 'sloth-slo-meta-recordings-a/latency/1'));
  assert.ok(alerts.some((a) => a.alert === 'LatencyObjective0PageBurnRate'));
  assert.ok(alerts.some((a) => a.alert === 'LatencyObjective1PageBurnRate' && a.labels.objective === '1'));
});

const promtool = (...args: string[]) => run(TOOLS.promtool.path, args, { cwd: dir, maxBuffer: 16 << 20 });

test('promtool accepts the rules and passes their generated unit tests, healthy case included', { skip: skipWithout('promtool') }, async () => {
  const r = await renderRules({ files: [FIXTURE], runbookBaseUrl: BASE, rulesPath: join(dir, 'defects.rules.yaml'), testsPath: join(dir, 'defects.test.yaml') });
  writeFileSync(join(dir, 'defects.rules.yaml'), r.rules);
  writeFileSync(join(dir, 'defects.test.yaml'), r.tests!);
  assert.match((await promtool('check', 'rules', 'defects.rules.yaml')).stdout, /SUCCESS: \d+ rules found/);
  assert.match((await promtool('test', 'rules', 'defects.test.yaml')).stdout, /SUCCESS/);
});

test('promtool: with no bad-events series at all, the SLI error ratio is 0 and the budget left is 100%', { skip: skipWithout('promtool') }, async () => {
  writeFileSync(join(dir, 'defects.rules.yaml'), (await renderRules({ files: [FIXTURE], runbookBaseUrl: BASE })).rules);
  const sel = 'sloth_id="a/b-c"';
  writeFileSync(join(dir, 'healthy.test.yaml'), toYaml({
    rule_files: ['defects.rules.yaml'],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: [{ series: 'req_total{code="200"}', values: '0+100x120' }],
      promql_expr_test: [
        { expr: `slo:sli_error:ratio_rate5m{${sel}}`, eval_time: '1h', exp_samples: [{ labels: `slo:sli_error:ratio_rate5m{sloth_id="a/b-c", sloth_service="a", sloth_slo="b-c", sloth_window="5m"}`, value: 0 }] },
        { expr: `slo:period_error_budget_remaining:ratio{${sel}}`, eval_time: '1h', exp_samples: [{ labels: `slo:period_error_budget_remaining:ratio{sloth_id="a/b-c", sloth_service="a", sloth_slo="b-c", sloth_window="1w"}`, value: 1 }] },
      ],
    }],
  }));
  assert.match((await promtool('test', 'rules', 'healthy.test.yaml')).stdout, /SUCCESS/);
});

test('promtool accepts the rules of every SLO in the OpenSLO corpus that reads Prometheus', { skip: skipWithout('promtool') }, async () => {
  const corpus = join(import.meta.dirname, 'fixtures/openslo/valid');
  const files: string[] = [];
  for (const f of readdirSync(corpus).filter((x) => x.endsWith('.yaml'))) {
    const compiled = await compileFiles([join(corpus, f)]);
    const prom = compiled.slos.filter((s) => s.sourceType === 'Prometheus');
    if (prom.length === 0) continue;
    const out = `corpus-${f}`;
    writeFileSync(join(dir, out), toYaml(generateRules(prom, { runbookBaseUrl: BASE }).file));
    files.push(out);
  }
  assert.ok(files.length >= 6, files.join(', '));
  assert.match((await promtool('check', 'rules', ...files)).stdout, /SUCCESS/);
});
