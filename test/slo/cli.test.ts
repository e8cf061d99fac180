// `pilothouse slo rules` as a real process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../server/cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-slo-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, LOG_LEVEL: 'warn', PUBLIC_URL: 'https://ph.example.com' };
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env, cwd: dir });

test('slo rules prints rule groups for every shipped spec, with runbook links under PUBLIC_URL', async () => {
  const { stdout, stderr } = await cli('slo', 'rules');
  const file = parse(stdout) as { groups: { name: string; rules: { alert?: string; annotations?: Record<string, string> }[] }[] };
  assert.ok(file.groups.some((g) => g.name === 'sloth-slo-sli-recordings-pilothouse-api/api-availability-999'));
  const alert = file.groups.flatMap((g) => g.rules).find((r) => r.alert === 'ApiAvailability999PageBurnRate');
  assert.equal(alert?.annotations?.runbook_url, 'https://ph.example.com/api/v1/runbooks/api-availability-999.md#page');
  assert.match(stderr, /workspace-startup-30s: its SLI reads PostgreSQL/);
});

test('slo rules --out --tests writes the rules and promtool tests naming them', async () => {
  await cli('slo', 'rules', '--out', 'rules.yaml', '--tests');
  assert.ok(existsSync(join(dir, 'rules.yaml')));
  const tests = parse(readFileSync(join(dir, 'rules.test.yaml'), 'utf8')) as { rule_files: string[] };
  assert.deepEqual(tests.rule_files, ['rules.yaml']);
});

test('--tests without --out is refused with what to add', async () => {
  await assert.rejects(cli('slo', 'rules', '--tests'), (e: { code: number; stderr: string }) => e.code === 1 && /--tests needs --out FILE/.test(e.stderr));
});

test('an invalid spec file exits 1 with its file, line, field and fix, and prints no rules', async () => {
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: nope\n  indicatorRef: nope\n  timeWindow: [{duration: 30d, isRolling: true}]\n  budgetingMethod: Occurrences\n  objectives: [{target: 0.999}]\n');
  await assert.rejects(cli('slo', 'rules', 'bad.yaml'), (e: { code: number; stderr: string; stdout: string }) =>
    e.code === 1 && e.stdout === '' && /bad\.yaml:6: SLO "x" spec\.indicatorRef: no SLI named "nope"; fix: add an SLI document named nope/.test(e.stderr));
});

test('slo validate lists every problem with file, line, field and fix, and exits 1', async () => {
  writeFileSync(join(dir, 'two-bad.yaml'), 'apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: both}\nspec:\n  ratioMetric:\n    good: {metricSource: {type: Prometheus, spec: {query: a}}}\n    bad: {metricSource: {type: Prometheus, spec: {query: b}}}\n    total: {metricSource: {type: Prometheus, spec: {query: c}}}\n---\napiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata: {name: nowhere}\nspec: {}\n');
  await assert.rejects(cli('slo', 'validate', 'two-bad.yaml'), (e: { code: number; stdout: string }) =>
    e.code === 1
    && /two-bad\.yaml:7: SLI "both" spec\.ratioMetric\.bad: is given together with good; fix: keep either good or bad/.test(e.stdout)
    && /two-bad\.yaml:13: AlertNotificationTarget "nowhere" spec\.target: is required; fix: add target/.test(e.stdout)
    && /INVALID: 2 error\(s\)/.test(e.stdout));
});

test('slo validate on folders exits 0 for the shipped specs, and --json gives the report', async () => {
  const { stdout } = await cli('slo', 'validate', '--json', join(import.meta.dirname, '../../slo/specs'));
  const report = JSON.parse(stdout) as { valid: boolean; errors: unknown[]; evaluated: string[] };
  assert.equal(report.valid, true);
  assert.deepEqual(report.errors, []);
  assert.ok(report.evaluated.includes('api-availability-999'));
});
