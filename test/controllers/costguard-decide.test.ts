// decideCostGuard: the forecast, the order of measures, their bounds, the cooldown and undo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideCostGuard, forecast, type CostGuardObserved } from '../../controllers/costguard/decide.ts';
import { defaultCapacityPolicy } from '../../controllers/capacity/policy.ts';

const NOON = Date.parse('2026-12-03T12:00:00Z');
const world = (o: Partial<CostGuardObserved> = {}): CostGuardObserved => ({
  now: NOON, policy: defaultCapacityPolicy(), cost: { soFarUsd: 400, ratePerHourUsd: 60 }, tunings: {}, lastStepAt: null, baseIdleMinutes: 30, ...o,
});

test('the forecast is the cost so far plus the current rate for the hours left in the UTC day', () => {
  assert.equal(forecast(NOON, { soFarUsd: 400, ratePerHourUsd: 60 }), 1120);
});

test('over the limit, the spot share goes up first, one step at a time, up to its room', () => {
  assert.deepEqual(decideCostGuard(world())[0]!.action, { type: 'tune', name: 'spot.targetShareBoost', from: null, to: 0.1, direction: 'apply' });
  // The shipped policy: target 0.4, maximum 0.7 → 0.3 of room.
  assert.deepEqual(decideCostGuard(world({ tunings: { 'spot.targetShareBoost': 0.3 } }))[0]!.action, { type: 'tune', name: 'reaper.idlePauseCapMinutes', from: null, to: 20, direction: 'apply' });
  assert.deepEqual(decideCostGuard(world({ tunings: { 'spot.targetShareBoost': 0.3, 'reaper.idlePauseCapMinutes': 10 } }))[0]!.action.name, 'headroom.warmPoolFactor');
  assert.deepEqual(decideCostGuard(world({ tunings: { 'spot.targetShareBoost': 0.3, 'reaper.idlePauseCapMinutes': 10, 'headroom.warmPoolFactor': 0.25 } })), [], 'every measure at its bound');
});

test('a step waits for the cooldown, and nothing happens without cost data', () => {
  assert.deepEqual(decideCostGuard(world({ lastStepAt: NOON - 60_000 })), []);
  assert.deepEqual(decideCostGuard(world({ cost: null })), []);
});

test('back under the limit less its margin, measures are undone in reverse; inside the margin, nothing moves', () => {
  const tunings = { 'spot.targetShareBoost': 0.1, 'reaper.idlePauseCapMinutes': 20 };
  assert.deepEqual(decideCostGuard(world({ cost: { soFarUsd: 400, ratePerHourUsd: 20 }, tunings }))[0]!.action, { type: 'tune', name: 'reaper.idlePauseCapMinutes', from: 20, to: null, direction: 'undo' });
  assert.deepEqual(decideCostGuard(world({ cost: { soFarUsd: 400, ratePerHourUsd: 20 }, tunings: { 'spot.targetShareBoost': 0.1 } }))[0]!.action.to, null);
  assert.deepEqual(decideCostGuard(world({ cost: { soFarUsd: 400, ratePerHourUsd: 45 }, tunings })), [], '940 USD: under the limit, not under 900');
});
