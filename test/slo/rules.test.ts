// Prometheus rules generated from specs: golden files, Sloth's names, and real promtool runs
// (check rules, and the generated unit tests) over every spec in slo/specs/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { compileFiles, compileSpecDir, REPO_ROOT } from '../../slo/catalog.ts';
import { generateRules, type AlertingRule, type RecordingRule } from '../../slo/rules/generate.ts';
import { renderRules } from '../../slo/rules/render.ts';
import { toYaml } from '../../slo/rules/yaml.ts';
import { skipWithout, TOOLS } from '../tools.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = join(import.meta.dirname, 'fixtures/checkout.yaml');
const GOLDEN = join(import.meta.dirname, 'golden/checkout.rules.yaml');
const BASE = 'https://pilothouse.example.com';

test('rules for the checkout fixture match the golden file (UPDATE_GOLDEN=1 rewrites it)', async () => {
  const r = await renderRules({ files: [FIXTURE], runbookBaseUrl: BASE });
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, r.rules);
  assert.equal(r.rules, readFileSync(GOLDEN, 'utf8'));
});

test('recording rules carry Sloth\'s names and labels', async () => {
  const { slos } = await compileFiles([FIXTURE]);
  const g = generateRules(slos, { runbookBaseUrl: BASE });
  const records = g.file.groups.flatMap((x) => x.rules).filter((r): r is RecordingRule => 'record' in r);
  const names = new Set(records.map((r) => r.record));
  for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d', '4w']) assert.ok(names.has(`slo:sli_error:ratio_rate${w}`), w);
  for (const n of ['slo:objective:ratio', 'slo:error_budget:ratio', 'slo:current_burn_rate:ratio', 'slo:period_burn_rate:ratio', 'slo:period_error_budget_remaining:ratio', 'slo:time_period:days']) assert.ok(names.has(n), n);
  const r5m = records.find((r) => r.record === 'slo:sli_error:ratio_rate5m')!;
  assert.deepEqual(r5m.labels, { sloth_id: 'shop/checkout-availability', sloth_service: 'shop', sloth_slo: 'checkout-availability', sloth_window: '5m' });
  assert.match(r5m.expr, /sum\(rate\(http_requests_total\{handler="\/checkout", code=~"5\.\."\}\[5m\]\)\)/);
});

test('the period error ratio sums bad and total rates instead of averaging ratios', async () => {
  const { slos } = await compileFiles([FIXTURE]);
  const rules = generateRules(slos, { runbookBaseUrl: BASE }).file.groups.flatMap((x) => x.rules) as RecordingRule[];
  const period = rules.find((r) => r.record === 'slo:sli_error:ratio_rate30d')!;
  assert.match(period.expr, /sum_over_time\(slo:sli_bad:rate5m\{.*\}\[30d\]\)\n\/ ignoring \(sloth_window\)\nsum_over_time\(slo:sli_total:rate5m/);
  assert.doesNotMatch(period.expr, /count_over_time/);
});

test('a 28-day SLO pages at burn 13.44 and tickets at 0.933', async () => {
  const { slos } = await compileFiles([FIXTURE]);
  const alerts = generateRules(slos, { runbookBaseUrl: BASE }).file.groups.flatMap((x) => x.rules).filter((r): r is AlertingRule => 'alert' in r);
  const page = alerts.find((a) => a.alert === 'CheckoutLatencyPageBurnRate')!;
  assert.match(page.expr, /> \(13\.44 \* 0\.01\)/);
  assert.match(page.expr, /> \(5\.6 \* 0\.01\)/);
  const ticket = alerts.find((a) => a.alert === 'CheckoutLatencyTicketBurnRate')!;
  assert.match(ticket.expr, /> \(0\.933333333333 \* 0\.01\)/);
});

test('alerts carry severity, the SLO and a runbook_url pointing at the severity\'s section', async () => {
  const { slos } = await compileFiles([FIXTURE]);
  const alerts = generateRules(slos, { runbookBaseUrl: BASE }).file.groups.flatMap((x) => x.rules).filter((r): r is AlertingRule => 'alert' in r);
  const page = alerts.find((a) => a.alert === 'CheckoutAvailabilityPageBurnRate')!;
  assert.equal(page.labels.severity, 'page');
  assert.equal(page.labels.slo, 'checkout-availability');
  assert.equal(page.labels.team, 'payments');
  assert.equal(page.annotations.runbook_url, `${BASE}/runbooks/api-availability-999.md#page`);
  assert.match(page.expr, /slo:sli_bad_events:increase1h\{.*\} >= 2/, 'one failed request never pages');
});

test('every runbook_url of the shipped specs names a file with a section for its severity', async () => {
  const { slos } = await compileSpecDir();
  const g = generateRules(slos, { runbookBaseUrl: BASE });
  for (const slo of slos) {
    const text = readFileSync(join(REPO_ROOT, slo.runbook!), 'utf8');
    assert.match(text, /^## Page$/m, slo.runbook);
    assert.match(text, /^## Ticket$/m, slo.runbook);
  }
  assert.ok(g.alerts.length >= 10);
});

test('SLIs that read PostgreSQL are named in the notes, not silently dropped', async () => {
  const { slos } = await compileSpecDir();
  const g = generateRules(slos, { runbookBaseUrl: BASE });
  const skipped = slos.filter((s) => s.sourceType === 'PostgreSQL').map((s) => s.name);
  assert.ok(skipped.length > 0);
  for (const name of skipped) assert.ok(g.notes.some((n) => n.startsWith(`${name}: its SLI reads PostgreSQL`)), name);
});

test('tiers that cannot fire are left out and said so', async () => {
  const text = readFileSync(FIXTURE, 'utf8').replace('targetPercent: 99', 'target: 0.4');
  const file = join(dir, 'low.yaml');
  writeFileSync(file, text);
  const { slos } = await compileFiles([file]);
  const g = generateRules(slos, { runbookBaseUrl: BASE });
  assert.deepEqual(g.alerts.filter((a) => a.slo === 'checkout-latency').map((a) => [a.severity, a.tiers.map((t) => t.factor)]), [['ticket', [0.9333333333333333]]]);
  assert.ok(g.notes.some((n) => /checkout-latency: the page tier 1h\/5m needs a burn rate of 13\.44/.test(n)));
});

const promtool = (...args: string[]) => run(TOOLS.promtool.path, args, { cwd: dir, maxBuffer: 16 << 20 });

test('promtool check rules accepts the rules of every spec in slo/specs/', { skip: skipWithout('promtool') }, async () => {
  const r = await renderRules({ files: [], runbookBaseUrl: BASE, rulesPath: join(dir, 'platform.rules.yaml'), testsPath: join(dir, 'platform.test.yaml') });
  writeFileSync(join(dir, 'platform.rules.yaml'), r.rules);
  writeFileSync(join(dir, 'platform.test.yaml'), r.tests!);
  const { stdout } = await promtool('check', 'rules', 'platform.rules.yaml');
  assert.match(stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: each page alert fires at its fast burn (2% for 99.9%) and nothing fires at half the budget (0.05%)', { skip: skipWithout('promtool') }, async () => {
  const testsFile = join(dir, 'platform.test.yaml');
  assert.ok(existsSync(testsFile), 'written by the check test above');
  const tests = parse(readFileSync(testsFile, 'utf8')) as { tests: { name: string }[] };
  const names = tests.tests.map((t) => t.name);
  assert.ok(names.includes('api-availability-999: page alert fires at a 2% error ratio'), names.join('\n'));
  assert.ok(names.includes('api-availability-999: nothing fires at a 0.05% error ratio'));
  assert.ok(names.includes('api-availability-999: one failed request among a trickle does not page'));
  const { stdout } = await promtool('test', 'rules', 'platform.test.yaml');
  assert.match(stdout, /SUCCESS/);
});

test('promtool: under uneven traffic the period ratio is traffic-weighted, where an average of 5m ratios is not', { skip: skipWithout('promtool') }, async () => {
  const r = await renderRules({ files: [FIXTURE], runbookBaseUrl: BASE });
  writeFileSync(join(dir, 'checkout.rules.yaml'), r.rules);
  // First hour: 10 requests a minute, half failing. Next five hours: 10,000 a minute, none failing.
  const sel = 'sloth_slo="checkout-availability"';
  writeFileSync(join(dir, 'uneven.test.yaml'), toYaml({
    rule_files: ['checkout.rules.yaml'],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: [
        { series: 'http_requests_total{handler="/checkout", code="500"}', values: '0+5x60 300x300' },
        { series: 'http_requests_total{handler="/checkout", code="200"}', values: '0+5x60 300+10000x300' },
      ],
      promql_expr_test: [
        // total bad ÷ total = 300 / 3,000,600 ≈ 0.0001: well under 0.001.
        { expr: `count(slo:sli_error:ratio_rate30d{${sel}} < 0.001)`, eval_time: '6h', exp_samples: [{ labels: '{}', value: 1 }] },
        // Sloth's mean of 5m ratios over the same span is about 0.08.
        { expr: `count(avg_over_time(slo:sli_error:ratio_rate5m{${sel}}[30d]) > 0.05)`, eval_time: '6h', exp_samples: [{ labels: '{}', value: 1 }] },
      ],
    }],
  }));
  const { stdout } = await promtool('test', 'rules', 'uneven.test.yaml');
  assert.match(stdout, /SUCCESS/);
});
