// decideRemediations() as a specification: the brakes in the order they hold, on plain data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRemediations, consecutiveFailures, type ObservedAlert, type ObservedRemediation, type ActionInfo, type RemediationObserved } from '../../../controllers/remediation/decide.ts';
import { parsePolicy, type CompiledPolicy } from '../../../controllers/remediation/policy.ts';
import { parseMatcher, parseMatchers, matches } from '../../../slo/alerts/matchers.ts';

const now = new Date('2026-12-03T12:00:00Z');
const policy = (over: Record<string, unknown> = {}): CompiledPolicy => ({
  ...parsePolicy({ name: 'restart', match: ['alertname="Crash"'], action: 'restart-pod', params: { namespace: '{{ labels.namespace }}', pod: '{{ labels.pod }}' }, ...over }),
  source: 'api', trippedAt: null, trippedReason: null, rearmedAt: null, rearmedAfterId: null,
});
const action = (risky = false): ActionInfo => ({
  name: 'restart-pod', risky, kind: 'pod',
  target: (p) => `Pod ${(p as { namespace: string; pod: string }).namespace}/${(p as { pod: string }).pod}`,
  check: (p) => ((p as { pod?: string }).pod ? null : 'pod missing'),
});
let id = 0;
const alert = (pod: string, labels: Record<string, string> = {}): ObservedAlert => ({
  id: ++id, status: 'firing', source: 'alertmanager', alertname: 'Crash', labels: { alertname: 'Crash', namespace: 'ns', pod, ...labels }, annotations: {}, runbookUrl: null, slo: null,
});
const world = (o: Partial<RemediationObserved>): RemediationObserved => ({
  now, alerts: [], policies: [policy()], actions: new Map([['restart-pod', action()]]), remediations: [], fleet: {}, ...o,
});
const done = (over: Partial<ObservedRemediation>): ObservedRemediation => ({
  id: ++id, alertId: null, policy: 'restart', action: 'restart-pod', target: 'Pod ns/a', kind: 'pod', params: {}, status: 'succeeded', dryRun: false,
  requestedAt: new Date(now.getTime() - 600_000), expiresAt: null, appliedAt: new Date(now.getTime() - 600_000), verifyAt: null, decidedAt: null, runbookUrl: null, ...over,
});
const types = (o: RemediationObserved) => decideRemediations(o).map((d) => d.action.type);

test('a firing alert that matches acts on the target its labels name', () => {
  const [d] = decideRemediations(world({ alerts: [alert('a')] }));
  assert.equal(d!.action.type, 'act');
  assert.equal(d!.target.name, 'Pod ns/a');
});

test('an alert missing the labels the params need is left alone', () => {
  const a = alert('a');
  delete a.labels.pod;
  assert.deepEqual(types(world({ alerts: [a] })), []);
});

test('a risky action asks for approval instead of acting', () => {
  assert.deepEqual(types(world({ alerts: [alert('a')], actions: new Map([['restart-pod', action(true)]]) })), ['request']);
});

test('the cooldown holds a target acted on within it, and releases it after', () => {
  const recent = done({ appliedAt: new Date(now.getTime() - 30 * 60_000) });
  assert.deepEqual(types(world({ alerts: [alert('a')], remediations: [recent] })), []);
  const old = done({ appliedAt: new Date(now.getTime() - 61 * 60_000), requestedAt: new Date(now.getTime() - 61 * 60_000) });
  assert.deepEqual(types(world({ alerts: [alert('a')], remediations: [old] })), ['act']);
});

test('blast radius: at most maxTargetsPerHour targets, and at most maxTargetsPercent of the fleet', () => {
  const alerts = ['a', 'b', 'c', 'd'].map((p) => alert(p));
  assert.equal(types(world({ alerts, policies: [policy({ maxTargetsPerHour: 2 })] })).length, 2);
  assert.equal(types(world({ alerts, policies: [policy({ maxTargetsPercent: 10 })], fleet: { pod: { total: 30, unhealthy: 4 } } })).length, 3);
});

test('maxUnhealthy: nothing of the kind acts while too much of the fleet is unhealthy', () => {
  assert.deepEqual(types(world({ alerts: [alert('a')], policies: [policy({ maxUnhealthyPercent: 30 })], fleet: { pod: { total: 10, unhealthy: 4 } } })), []);
  assert.deepEqual(types(world({ alerts: [alert('a')], policies: [policy({ maxUnhealthyPercent: 30 })], fleet: { pod: { total: 10, unhealthy: 3 } } })), ['act']);
});

test('three failures in a row trip the breaker; a success in between resets the count; a re-arm forgets the earlier ones', () => {
  const fails = [1, 2, 3].map((i) => done({ status: 'failed', target: `Pod ns/f${i}`, appliedAt: new Date(now.getTime() - i * 60_000) }));
  const d = decideRemediations(world({ alerts: [alert('z')], remediations: fails }));
  assert.deepEqual(d.map((x) => x.action.type), ['trip'], 'tripped, and the new alert waits');
  const mixed = [fails[0]!, done({ status: 'succeeded', appliedAt: new Date(now.getTime() - 90_000) }), fails[1]!, fails[2]!];
  assert.equal(consecutiveFailures(policy(), mixed), 1);
  assert.equal(consecutiveFailures({ ...policy(), rearmedAfterId: Math.max(...fails.map((f) => f.id)) }, fails), 0);
});

test('verification is due after its delay; an unanswered approval expires', () => {
  const verifying = done({ status: 'verifying', verifyAt: new Date(now.getTime() - 1) });
  const waiting = done({ status: 'verifying', verifyAt: new Date(now.getTime() + 1000), target: 'Pod ns/w' });
  const pending = done({ status: 'pending_approval', expiresAt: new Date(now.getTime() - 1), target: 'Pod ns/p' });
  assert.deepEqual(types(world({ remediations: [verifying, waiting, pending] })).sort(), ['expire', 'verify']);
});

test('matchers read as Alertmanager writes them, regexes anchored, a missing label matching ""', () => {
  assert.deepEqual(parseMatchers('{alertname="A", severity=~"page|critical"}').map((m) => m.op), ['=', '=~']);
  assert.equal(matches(parseMatcher('severity=~"page"'), { severity: 'pager' }), false);
  assert.equal(matches(parseMatcher('team!~".+"'), {}), true);
  assert.throws(() => parseMatcher('severity=~"("'), /bad regex/);
  assert.throws(() => parseMatcher('no matcher here'), /write name="value"/);
});
