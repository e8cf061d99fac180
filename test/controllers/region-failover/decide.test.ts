// decideFailover and the health rules, case by case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideFailover, failoverSettings, type FailoverObserved, type RegionObserved } from '../../../controllers/failover/decide.ts';
import { healthOf, nextCheckAt, streak, type Check } from '../../../controllers/failover/health.ts';

const s = failoverSettings({ holdDownMs: 600_000, successesToFailback: 3 });
/** checks from a pattern, oldest first ('x' failed, '.' passed), 10 s apart, ending at `end` */
function checks(pattern: string, end = 1_000_000): Check[] {
  return [...pattern].map((c, i) => ({ at: end - (pattern.length - 1 - i) * 10_000, ok: c === '.' })).reverse();
}
const region = (name: string, priority: number, pattern: string, o: Partial<RegionObserved> = {}): RegionObserved => ({ name, priority, active: false, autoFailback: false, checks: checks(pattern), ...o });
const world = (regions: RegionObserved[], o: Partial<FailoverObserved> = {}): FailoverObserved => ({ now: 1_000_000, regions, routed: regions.find((r) => r.active)?.name ?? null, lastSwitchAt: null, requests: [], ...o });

test('three failures in a row fail over to the highest-priority healthy standby, with RTO from the first failure', () => {
  const d = decideFailover(world([region('a', 1, '...xxx', { active: true }), region('c', 3, '......'), region('b', 2, '......')]), s);
  assert.equal(d.length, 1);
  assert.deepEqual({ ...d[0]!.action, reason: undefined }, { type: 'switch', kind: 'automatic', from: 'a', to: 'b', actor: 'region-failover', firstFailedAt: 1_000_000 - 20_000, reason: undefined });
});

test('two failures are not enough, and a flapping check never fails over', () => {
  assert.deepEqual(decideFailover(world([region('a', 1, '....xx', { active: true }), region('b', 2, '......')]), s), []);
  assert.deepEqual(decideFailover(world([region('a', 1, 'x.x.x.x.x', { active: true }), region('b', 2, '......')]), s), []);
});

test('an unhealthy standby is never chosen; with none healthy the active region stays', () => {
  const skip = decideFailover(world([region('a', 1, 'xxx', { active: true }), region('b', 2, '..x'), region('c', 3, '...')]), s);
  assert.equal((skip[0]!.action as { to: string }).to, 'c');
  assert.deepEqual(decideFailover(world([region('a', 1, 'xxx', { active: true }), region('b', 2, 'x')]), s), []);
});

test('failback needs the region to allow it, M good checks and the hold-down', () => {
  const regions = (pattern: string, autoFailback = true) => [region('a', 1, pattern, { autoFailback }), region('b', 2, '....', { active: true })];
  assert.deepEqual(decideFailover(world(regions('xx...'), { lastSwitchAt: 1_000_000 - 600_000 }), s).map((d) => d.decision), ['fail back b → a']);
  assert.deepEqual(decideFailover(world(regions('xx...'), { lastSwitchAt: 1_000_000 - 599_999 }), s), [], 'inside the hold-down');
  assert.deepEqual(decideFailover(world(regions('xxx..'), { lastSwitchAt: 0 }), s), [], 'only two good checks');
  assert.deepEqual(decideFailover(world(regions('.....', false), { lastSwitchAt: 0 }), s), [], 'manual failback by default');
});

test('a person\'s request switches to a healthy region and is refused for an unhealthy or active one', () => {
  const regions = [region('a', 1, '...', { active: true }), region('b', 2, '...'), region('c', 3, '..x')];
  const req = (id: number, toRegion: string) => ({ id, toRegion, reason: 'drill', actor: 'user:sre@example.com' });
  const d = decideFailover(world(regions, { requests: [req(1, 'c'), req(2, 'a'), req(3, 'b'), req(4, 'b')] }), s);
  assert.deepEqual(d.map((x) => x.action.type === 'switch' ? `switch ${x.action.to} by ${x.action.actor}` : `refuse ${x.action.requestId}`), ['refuse 1', 'refuse 2', 'switch b by user:sre@example.com']);
});

test('with no active region, the first healthy region by priority is routed; a routing object that disagrees is restored', () => {
  assert.equal(decideFailover(world([region('a', 1, 'x'), region('b', 2, '.')]), s)[0]!.decision, 'route to b');
  assert.equal(decideFailover(world([region('a', 1, '.', { active: true }), region('b', 2, '.')], { routed: 'b' }), s)[0]!.decision, 'route to a');
  // None recorded active but the routing names a healthy region: traffic stays where it is.
  assert.equal(decideFailover(world([region('a', 1, '.'), region('b', 2, '.')], { routed: 'b' }), s)[0]!.decision, 'adopt b as active');
  assert.equal(decideFailover(world([region('a', 1, '.'), region('b', 2, 'x')], { routed: 'b' }), s)[0]!.decision, 'route to a');
});

test('the next check comes 30 s after a pass and 10 s after a failure', () => {
  assert.equal(nextCheckAt([{ at: 100, ok: true }], s), 30_100);
  assert.equal(nextCheckAt([{ at: 100, ok: false }], s), 10_100);
  assert.equal(nextCheckAt([], s), -Infinity);
  assert.deepEqual(streak(checks('..xx')), { kind: 'fail', length: 2, since: 1_000_000 - 10_000 });
  assert.equal(healthOf([], s), 'unknown');
});

test('settings outside their bounds are refused at start', () => {
  assert.throws(() => failoverSettings({ failuresToFailover: 1 }), /failuresToFailover must be between 2 and 20/);
});
