// Reading OpenSLO specs: what is accepted, and that every refusal names file, line, field and fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSpecs } from '../../slo/openslo/compile.ts';
import { formatProblem } from '../../slo/openslo/errors.ts';
import { parseYaml } from '../../slo/openslo/load.ts';
import { compileSpecDir } from '../../slo/catalog.ts';
import { DAY } from '../../slo/math/duration.ts';
import { parseSelector, withMatcher, leMatcher } from '../../slo/openslo/selector.ts';

const HEAD = `apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {}
---
`;
const slo = (body: string) => `${HEAD}apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata: {name: errs}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'req_total{code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: req_total}}}
${body}`;
const WINDOW = `  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
`;

function compile(text: string) {
  const { docs, problems } = parseYaml(text, 'specs/x.yaml');
  const r = compileSpecs(docs);
  return { slos: r.slos, problems: [...problems, ...r.problems], notices: r.notices };
}
/** Valid OpenSLO that Pilothouse does not evaluate: no error, one warning, no SLO. */
function onlyWarning(text: string) {
  const { problems, notices, slos } = compile(text);
  assert.deepEqual(problems.map(formatProblem), []);
  assert.equal(slos.length, 0);
  const w = notices.filter((n) => n.level === 'warning');
  assert.equal(w.length, 1, notices.map(formatProblem).join('\n'));
  return w[0]!;
}
function onlyProblem(text: string) {
  const { problems } = compile(text);
  assert.equal(problems.length, 1, problems.map(formatProblem).join('\n'));
  return problems[0]!;
}

test('a valid ratio SLO compiles to a 99.9% rolling 30-day objective with the Workbook tiers', () => {
  const { slos, problems } = compile(slo(`${WINDOW}  objectives:\n    - target: 0.999\n`));
  assert.deepEqual(problems, []);
  const s = slos[0]!;
  assert.equal(s.objective, 0.999);
  assert.deepEqual(s.period, { kind: 'rolling', duration: '30d', ms: 30 * DAY });
  assert.deepEqual(s.tiers.map((t) => t.factor), [14.4, 6, 3, 1]);
  assert.equal(s.sourceType, 'Prometheus');
});

test('targetPercent is read as a fraction', () => {
  const { slos } = compile(slo(`${WINDOW}  objectives:\n    - targetPercent: 99.5\n`));
  assert.equal(slos[0]!.objective, 0.995);
});

test('target and targetPercent together are refused, naming the field and the fix', () => {
  const p = onlyProblem(slo(`${WINDOW}  objectives:\n    - target: 0.999\n      targetPercent: 99.9\n`));
  assert.equal(p.field, 'spec.objectives[0].targetPercent');
  assert.match(formatProblem(p), /^specs\/x\.yaml:\d+: SLO "avail" spec\.objectives\[0\]\.targetPercent: is given together with target; fix: keep target/);
});

test('a target written as a percentage is refused with the fraction to write instead', () => {
  const p = onlyProblem(slo(`${WINDOW}  objectives:\n    - target: 99.9\n`));
  assert.equal(p.field, 'spec.objectives[0].target');
  assert.equal(p.line, 24);
  assert.match(p.fix, /fraction in \[0, 1\) such as 0\.999, or use targetPercent: 99\.9/);
});

test('two time windows are refused: exactly one is allowed', () => {
  const p = onlyProblem(slo(`  timeWindow:\n    - {duration: 30d, isRolling: true}\n    - {duration: 7d, isRolling: true}\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n`));
  assert.equal(p.field, 'spec.timeWindow');
  assert.match(p.fix, /exactly one time window/);
});

test('good and bad together are refused', () => {
  const text = slo(`${WINDOW}  objectives:\n    - target: 0.99\n`).replace('        total:', "        good: {metricSource: {type: Prometheus, spec: {query: ok_total}}}\n        total:");
  const p = onlyProblem(text);
  assert.equal(p.field, 'spec.indicator.spec.ratioMetric.bad');
  assert.match(p.fix, /either good or bad/);
});

test('a calendar window needs a real time zone', () => {
  const p = onlyProblem(slo(`  timeWindow:\n    - duration: 1M\n      calendar: {startTime: '2026-01-01 00:00:00', timeZone: Mars/Olympus}\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n`));
  assert.equal(p.field, 'spec.timeWindow[0].calendar.timeZone');
});

test('a calendar month window compiles with its start and zone', () => {
  const { slos, problems } = compile(slo(`  timeWindow:\n    - duration: 1M\n      calendar: {startTime: '2026-01-01 00:00:00', timeZone: Europe/Paris}\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n`));
  assert.deepEqual(problems, []);
  assert.equal(slos[0]!.period.kind, 'calendar');
});

test('a rolling window in months is valid OpenSLO but not evaluated: months have no fixed length', () => {
  const p = onlyWarning(slo(`  timeWindow:\n    - {duration: 1M, isRolling: true}\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n`));
  assert.match(p.fix, /30d or 4w/);
});

test('Timeslices needs timeSliceTarget and timeSliceWindow', () => {
  const { problems } = compile(slo(`  timeWindow:\n    - {duration: 30d, isRolling: true}\n  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n`));
  assert.deepEqual(problems.map((p) => p.field).sort(), ['spec.objectives[0].timeSliceTarget', 'spec.objectives[0].timeSliceWindow']);
});

test('an unknown field is named with the line it is on', () => {
  const p = onlyProblem(slo(`${WINDOW}  objectives:\n    - target: 0.99\n  budgetMethod: x\n`));
  assert.equal(p.field, 'spec.budgetMethod');
  assert.equal(p.line, 25);
  assert.match(p.fix, /remove it or correct its spelling/);
});

test('a reference to a missing SLI says which name was not found', () => {
  const p = onlyProblem(`${HEAD}apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  service: api\n  indicatorRef: nope\n${WINDOW}  objectives:\n    - target: 0.99\n`);
  assert.equal(p.field, 'spec.indicatorRef');
  assert.match(p.message, /no SLI named "nope"/);
});

test('a counter query that is not a selector is not evaluated, saying what to write', () => {
  const p = onlyWarning(slo(`${WINDOW}  objectives:\n    - target: 0.99\n`).replace("query: req_total}", "query: 'rate(req_total[5m])'}"));
  assert.equal(p.field, 'spec.indicator.spec.ratioMetric.total.metricSource.spec.query');
  assert.match(p.fix, /Pilothouse adds rate\(\), sum\(\) and the windows/);
});

test('a PostgreSQL dataset filter it does not know is not evaluated, listing the ones it does', () => {
  const text = `${HEAD}apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  service: api\n  indicator:\n    metadata: {name: x}\n    spec:\n      thresholdMetric: {metricSource: {type: PostgreSQL, spec: {dataset: workspace_startup, zone: eu}}}\n${WINDOW}  objectives:\n    - {op: lte, value: 30, target: 0.95}\n`;
  const p = onlyWarning(text);
  assert.match(formatProblem(p), /zone: is not a filter of workspace_startup; this SLO is valid OpenSLO but is not evaluated; fix: use region, nodePool/);
});

test('YAML syntax errors point at their line', () => {
  const { problems } = parseYaml('kind: SLO\nmetadata: {name: [\n', 'bad.yaml');
  assert.ok(problems.length > 0);
  assert.equal(problems[0]!.file, 'bad.yaml');
  assert.ok(problems[0]!.line! >= 2);
});

test('every spec shipped in slo/specs/ compiles, with a runbook that exists', async () => {
  const { slos, problems } = await compileSpecDir();
  assert.deepEqual(problems.map(formatProblem), []);
  const names = slos.map((s) => s.name).sort();
  assert.deepEqual(names, ['ai-response-2s', 'api-availability-999', 'api-availability-9999', 'api-latency-p95-100ms', 'api-latency-p95-200ms',
    'llm-cache-hit-rate', 'platform-error-rate', 'spot-share', 'usage-ingestion-freshness', 'workspace-startup-30s']);
  assert.ok(slos.every((s) => s.runbook?.startsWith('runbooks/')));
});

test('selectors: parsed, printed back, and given an le matcher that fits Prometheus 2 and 3', () => {
  assert.deepEqual(parseSelector('x_total{a="1", b=~"5.."}').matchers.map((m) => m.op), ['=', '=~']);
  assert.equal(withMatcher('h_bucket{job="a"}', leMatcher(0.2)), 'h_bucket{job="a", le="0.2"}');
  assert.equal(withMatcher('h_bucket', leMatcher(30)), 'h_bucket{le=~"30|30\\\\.0"}');
  assert.throws(() => parseSelector('sum(x)'), /expected the end of a series selector/);
});

test('a ratio selecting one histogram bucket is told to use _count or a thresholdMetric, not about an objective value it has not', () => {
  const p = onlyWarning(slo(`${WINDOW}  objectives:\n    - target: 0.99\n`).replace("query: req_total}", "query: 'req_bucket{le=\"0.3\"}'}"));
  assert.match(formatProblem(p), /selects one histogram bucket \(le\) in a ratio; .*fix: count events with the histogram's _count series/);
  assert.doesNotMatch(formatProblem(p), /comes from the objective's value/);
});

test('an error inside an inline alert condition is reported alone, at its field', () => {
  const { problems } = compile(slo(`${WINDOW}  objectives:\n    - target: 0.99\n  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec:\n        conditions:\n          - kind: AlertCondition\n            metadata: {name: c}\n            spec: {severity: page, condition: {kind: burnrate, op: gt, threshold: 2, lookbackWindow: 1 hour}}\n`));
  assert.deepEqual(problems.map((p) => p.field), ['spec.alertPolicies[0].spec.conditions[0].spec.condition.lookbackWindow']);
});
