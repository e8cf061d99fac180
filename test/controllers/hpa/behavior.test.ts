// Cases from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go:
// TestNormalizeDesiredReplicas (legacy stabilisation), TestScalingWithRules (behavior rate
// limits with scale events spread over the last 120 s, generateEventsUniformDistribution)
// and the stabilisation windows of behavior, with the same expected replicas and reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  convertWithBehaviorRate, convertWithRules, scaleDownRules, scaleUpRules, stabilizeLegacy, stabilizeWithBehavior,
  type ScaleEvent, type ScalingRules,
} from '../../../controllers/hpa/behavior.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const ago = (s: number) => NOW - s * 1000;

/** generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow) */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): ScalingRules {
  const policies = [
    ...(pods ? [{ type: 'Pods' as const, value: pods, periodSeconds: podsPeriod }] : []),
    ...(percent ? [{ type: 'Percent' as const, value: percent, periodSeconds: percentPeriod }] : []),
  ];
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', ...(policies.length ? { policies } : {}) };
}

/** generateEventsUniformDistribution: events at the centres of equal segments of the last `period` seconds */
function spread(changes: number[], period: number): ScaleEvent[] {
  const seg = period / changes.length;
  return changes.map((change, i) => ({ change, at: ago(period - seg * (i + 1) + seg / 2) }));
}

test('TestNormalizeDesiredReplicas: the highest recommendation of the last 5 minutes holds a scale-down', () => {
  assert.equal(stabilizeLegacy(NOW, [], 5), 5, 'empty log');
  assert.equal(stabilizeLegacy(NOW, [{ replicas: 4, at: ago(120) }, { replicas: 5, at: ago(60) }], 3), 5, 'stabilize');
  assert.equal(stabilizeLegacy(NOW, [{ replicas: 1, at: ago(120) }, { replicas: 2, at: ago(60) }], 3), 3, 'no stabilize');
  assert.equal(stabilizeLegacy(NOW, [{ replicas: 10, at: ago(600) }, { replicas: 9, at: ago(540) }], 3), 3, 'no stabilize - old recommendations');
  assert.equal(stabilizeLegacy(NOW, [{ replicas: 10, at: ago(600) }, { replicas: 4, at: ago(60) }, { replicas: 5, at: ago(120) }, { replicas: 9, at: ago(540) }], 3), 5, 'stabilize - old recommendations');
});

test('TestConvertDesiredReplicasWithRules: without behavior, min, max and a scale-up cap of max(2 × current, 4)', () => {
  assert.deepEqual(convertWithRules(5, 7, 3, 8), { replicas: 7, limit: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
  assert.equal(convertWithRules(3, 1, 2, 8).limit, 'TooFewReplicas');
  assert.deepEqual([convertWithRules(20, 1000, 1, 10).replicas, convertWithRules(20, 1000, 1, 10).limit], [10, 'TooManyReplicas']);
  assert.deepEqual([convertWithRules(3, 1000, 1, 2000).replicas, convertWithRules(3, 1000, 1, 2000).limit], [6, 'ScaleUpLimit']);
  assert.deepEqual([convertWithRules(1, 1000, 1, 2000).replicas, convertWithRules(1, 1000, 1, 2000).limit], [4, 'ScaleUpLimit']);
});

type RulesCase = {
  name: string; current: number; desired: number; min: number; max: number;
  up?: ScalingRules; down?: ScalingRules; ups?: ScaleEvent[]; downs?: ScaleEvent[];
  replicas: number; condition: string;
};

const scalingWithRules: RulesCase[] = [
  { name: 'prenormalized desired replicas within range', current: 5, desired: 7, min: 3, max: 8, replicas: 7, condition: 'DesiredWithinRange' },
  { name: 'prenormalized desired replicas < minReplicas', current: 3, desired: 1, min: 2, max: 8, replicas: 2, condition: 'TooFewReplicas' },
  { name: 'prenormalized desired replicas within range when minReplicas is 0', current: 1, desired: 0, min: 0, max: 10, replicas: 0, condition: 'DesiredWithinRange' },
  { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', current: 20, desired: 1000, min: 1, max: 10, replicas: 10, condition: 'TooManyReplicas' },
  { name: 'desired replica count is more than the maximum replica count', current: 100, desired: 1000, min: 100, max: 150, replicas: 150, condition: 'TooManyReplicas' },
  { name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies', current: 3, desired: 1000, min: 1, max: 2000, up: rules(0, 0, 1, 60, 0), replicas: 4, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with default behavior', current: 10, desired: 50, min: 1, max: 1000, replicas: 20, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with pods policy larger than percent policy', current: 10, desired: 500, min: 1, max: 1000, up: rules(100, 60, 100, 60, 0), replicas: 110, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy larger than pods policy', current: 10, desired: 500, min: 1, max: 1000, up: rules(2, 60, 100, 60, 0), replicas: 20, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with pod policy limitation', current: 10, desired: 50, min: 1, max: 1000, up: rules(30, 60, 0, 0, 0), replicas: 40, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy limitation', current: 10, desired: 50, min: 1, max: 1000, up: rules(0, 0, 200, 60, 0), replicas: 30, condition: 'ScaleUpLimit' },
  { name: 'scaleDown with percent policy larger than pod policy', current: 100, desired: 2, min: 1, max: 1000, down: rules(20, 60, 1, 60, 300), replicas: 80, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with pod policy larger than percent policy', current: 100, desired: 2, min: 1, max: 1000, down: rules(2, 60, 1, 60, 300), replicas: 98, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with spec MinReplicas limitation with large percent policy', current: 10, desired: 2, min: 5, max: 1000, down: rules(0, 0, 100, 60, 300), replicas: 5, condition: 'TooFewReplicas' },
  { name: 'scaleDown with pod policy limitation', current: 10, desired: 2, min: 1, max: 1000, down: rules(5, 60, 0, 0, 300), replicas: 5, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with percent policy limitation', current: 10, desired: 5, min: 1, max: 1000, down: rules(0, 0, 50, 60, 300), replicas: 5, condition: 'DesiredWithinRange' },
  { name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events', current: 100, desired: 500, min: 1, max: 200, up: rules(300, 60, 0, 0, 0), ups: spread([1, 5, 9], 120), replicas: 200, condition: 'TooManyReplicas' },
  { name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events', current: 100, desired: 500, min: 1, max: 1000, up: rules(5, 120, 0, 0, 0), ups: spread([1, 5, 9], 120), replicas: 100, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with pod policy and previous scale up events', current: 100, desired: 500, min: 1, max: 1000, up: rules(150, 120, 0, 0, 0), ups: spread([1, 5, 9], 120), replicas: 235, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy and previous scale up events', current: 100, desired: 500, min: 1, max: 1000, up: rules(0, 0, 200, 120, 0), ups: spread([1, 5, 9], 120), replicas: 255, condition: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy and previous scale up and down events', current: 6, desired: 24, min: 1, max: 1000, up: rules(0, 0, 300, 300, 0), ups: spread([4], 120), downs: spread([2], 120), replicas: 16, condition: 'ScaleUpLimit' },
  { name: 'scaleDown with default policy and previous events', current: 10, desired: 5, min: 1, max: 1000, downs: spread([1, 5, 9], 120), replicas: 5, condition: 'DesiredWithinRange' },
  { name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events', current: 100, desired: 0, min: 5, max: 1000, down: rules(130, 120, 0, 0, 300), downs: spread([1, 5, 9], 120), replicas: 5, condition: 'TooFewReplicas' },
  { name: 'scaleDown with pod policy limitation and previous events', current: 100, desired: 2, min: 1, max: 1000, down: rules(5, 120, 0, 0, 300), downs: spread([1, 5, 9], 120), replicas: 100, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with percent policy limitation and previous events', current: 100, desired: 0, min: 1, max: 1000, down: rules(0, 0, 50, 120, 300), downs: spread([2, 4, 6], 120), replicas: 56, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with percent policy and previous scale up and down events', current: 10, desired: 1, min: 1, max: 1000, down: rules(0, 0, 50, 180, 0), ups: spread([2], 120), downs: spread([4], 120), replicas: 6, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with previous events preventing further scale down', current: 100, desired: 0, min: 1, max: 1000, down: rules(0, 0, 10, 120, 300), downs: spread([10, 10, 10], 120), replicas: 100, condition: 'ScaleDownLimit' },
  { name: 'scaleDown with with previous events still allowing more scale down', current: 10, desired: 5, min: 1, max: 1000, down: rules(0, 0, 1000, 120, 300), downs: spread([10, 10, 10], 120), replicas: 5, condition: 'DesiredWithinRange' },
  { name: 'check that events were marked \'outdated\' for two different policies in the behavior for up', current: 100, desired: 200, min: 1, max: 1000, up: rules(1000, 30, 100, 60, 0), ups: spread([8, 12, 9, 11], 120), replicas: 200, condition: 'DesiredWithinRange' },
];

for (const c of scalingWithRules) {
  test(`TestScalingWithRules/${c.name}: ${c.replicas} (${c.condition})`, () => {
    const got = convertWithBehaviorRate(NOW, { recommendations: [], scaleUps: c.ups ?? [], scaleDowns: c.downs ?? [] },
      { current: c.current, desired: c.desired, min: c.min, max: c.max }, scaleUpRules(c.up), scaleDownRules(c.down));
    assert.deepEqual([got.replicas, got.limit], [c.replicas, c.condition]);
  });
}

test('selectPolicy Min takes the smallest change and Disabled forbids the direction', () => {
  const history = { recommendations: [], scaleUps: [], scaleDowns: [] };
  const min = { ...rules(2, 60, 100, 60, 0), selectPolicy: 'Min' as const };
  assert.equal(convertWithBehaviorRate(NOW, history, { current: 10, desired: 50, min: 1, max: 100 }, scaleUpRules(min), scaleDownRules(undefined)).replicas, 12);
  const off = { selectPolicy: 'Disabled' as const };
  assert.equal(convertWithBehaviorRate(NOW, history, { current: 10, desired: 2, min: 1, max: 100 }, scaleUpRules(undefined), scaleDownRules(off)).replicas, 10);
});

test('behavior stabilisation: scale-up takes the lowest recommendation of its window, scale-down the highest of its own', () => {
  const recs = [{ replicas: 4, at: ago(100) }, { replicas: 8, at: ago(50) }];
  const up = scaleUpRules({ stabilizationWindowSeconds: 120 });
  const down = scaleDownRules({ stabilizationWindowSeconds: 60 });
  // Desired 10 from 5: the up window holds the 4 seen 100 s ago, so no higher than... 5 (current).
  assert.equal(stabilizeWithBehavior(NOW, recs, 5, 10, up, down).replicas, 5);
  // Desired 2 from 9: the down window (60 s) still holds the 8.
  assert.equal(stabilizeWithBehavior(NOW, recs, 9, 2, up, down).replicas, 8);
  // Once the 8 is older than 60 s, the scale-down goes through.
  assert.equal(stabilizeWithBehavior(NOW + 11_000, recs, 9, 2, up, down).replicas, 2);
});
