// The OpenSLO corpus (test/slo/fixtures/openslo): every valid document is accepted, every
// invalid one refused, its first problem at the field the case is about (nothing false
// before it) with file, line and fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSpecs } from '../../slo/openslo/compile.ts';
import { formatProblem } from '../../slo/openslo/errors.ts';
import { parseYaml } from '../../slo/openslo/load.ts';

const DIR = join(import.meta.dirname, 'fixtures/openslo');
const files = (verdict: string) => readdirSync(join(DIR, verdict)).filter((f) => f.endsWith('.yaml')).sort();
const compile = (verdict: string, f: string) => {
  const text = readFileSync(join(DIR, verdict, f), 'utf8');
  const { docs, problems } = parseYaml(text, f);
  const r = compileSpecs(docs);
  return { ...r, problems: [...problems, ...r.problems], text };
};

test('the corpus holds both verdicts', () => {
  assert.ok(files('valid').length >= 20);
  assert.ok(files('invalid').length >= 14);
});

for (const f of files('valid')) {
  test(`valid: ${f}`, () => {
    const { problems } = compile('valid', f);
    assert.deepEqual(problems.map(formatProblem), []);
  });
}

for (const f of files('invalid')) {
  test(`invalid: ${f}`, () => {
    const { problems, text } = compile('invalid', f);
    const expected = /first problem: (\S+)/.exec(text)![1];
    assert.ok(problems.length > 0, 'refused');
    const first = problems[0]!;
    assert.equal(first.field, expected, problems.map(formatProblem).join('\n'));
    assert.equal(first.file, f);
    assert.ok(first.line && first.line > 2, 'names a line');
    assert.ok(first.fix.length > 5, 'says what to write');
    // Each case holds one mistake: one problem, nothing false before or after it.
    assert.equal(problems.length, 1, problems.map(formatProblem).join('\n'));
  });
}

test('an SLO whose Service is not defined implies it, with a notice and no error', () => {
  const r = compile('valid', 'slo-single-file.yaml');
  assert.equal(r.slos.length, 1);
  assert.match(formatProblem(r.notices.find((n) => n.level === 'notice')!), /slo-single-file\.yaml:\d+: notice: SLO "foo-slo" spec\.service: no Service named "foo" is defined, so it is implied/);
});

test('AlertNotificationTarget documents are read and listed with their target', () => {
  const r = compile('valid', 'alert-notification-target.yaml');
  assert.deepEqual(r.documents.map((d) => [d.kind, d.name, d.target]), [
    ['AlertNotificationTarget', 'on-call-devops-mail-notification', 'email'],
    ['AlertNotificationTarget', 'on-call-devops-slack-notification', 'slack'],
  ]);
});

test('valid OpenSLO that Pilothouse cannot evaluate is a warning saying why, not an error', () => {
  for (const [f, why] of [['slo-datadog.yaml', /Datadog is not a source Pilothouse reads/], ['slo-ratio-timeslices.yaml', /RatioTimeslices/], ['slo-composite.yaml', /composite/]] as const) {
    const r = compile('valid', f);
    assert.equal(r.slos.length, 0, f);
    assert.match(r.notices.filter((n) => n.level === 'warning').map(formatProblem).join('\n'), why);
  }
});

test('several objectives become one definition each, and alert conditions with op lte are left out, said so', () => {
  assert.deepEqual(compile('valid', 'slo-several-objectives.yaml').slos.map((s) => [s.objectiveIndex, s.objective]), [[0, 0.98], [1, 0.9999]]);
  const r = compile('valid', 'slo-with-policies.yaml');
  assert.deepEqual(r.slos[0]!.tiers.map((t) => [t.severity, t.severityName, t.factor, t.forMs]), [['page', 'critical', 14.4, 120_000]]);
  assert.match(r.notices.map(formatProblem).join('\n'), /op: lte alerts while the budget burns slowly/);
});
