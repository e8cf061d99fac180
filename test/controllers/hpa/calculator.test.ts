// Cases from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go,
// each named after its Go test, with the same inputs and the same expected replicas and
// utilisation. (Each Go pod has two containers at `levels[i]`: raw values are per pod here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageValueReplicas, MetricError, plainReplicas, resourceReplicas, valueReplicas,
} from '../../../controllers/hpa/calculator.ts';
import { calcInputs, NOW, type CalcCase } from './fixtures.ts';

const ones = (n: number) => Array.from({ length: n }, () => '1.0');

function resource(c: CalcCase, target: number) {
  const { pods, samples } = calcInputs(c);
  return resourceReplicas(c.currentReplicas, target, c.resource ?? 'cpu', pods, samples, { now: NOW });
}

const cases: [name: string, c: CalcCase, target: number, replicas: number, utilization: number][] = [
  ['TestReplicaCalcScaleUp', { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700] }, 30, 5, 50],
  ['TestReplicaCalcScaleUpUnreadyLessScale', { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700], readiness: ['False', 'True', 'True'] }, 30, 4, 60],
  ['TestReplicaCalcScaleUpHotCpuLessScale', { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700], hot: [true, false, false] }, 30, 4, 60],
  ['TestReplicaCalcScaleUpUnreadyNoScale', { currentReplicas: 3, requests: ones(3), levels: [400, 500, 700], readiness: ['True', 'False', 'False'] }, 30, 3, 40],
  ['TestReplicaCalcScaleHotCpuNoScale', { currentReplicas: 3, requests: ones(3), levels: [400, 500, 700], readiness: ['True', 'False', 'False'], hot: [false, true, true] }, 30, 3, 40],
  ['TestReplicaCalcScaleUpIgnoresFailedPods', { currentReplicas: 2, requests: ones(4), levels: [500, 700], readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Failed', 'Failed'] }, 30, 4, 60],
  ['TestReplicaCalcScaleUpIgnoresDeletionPods', { currentReplicas: 2, requests: ones(4), levels: [500, 700], readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running'], deleting: [false, false, true, true] }, 30, 4, 60],
  ['TestReplicaCalcScaleDown', { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250] }, 50, 3, 28],
  ['TestReplicaCalcScaleDownIncludeUnreadyPods', { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250], readiness: ['True', 'True', 'True', 'False', 'False'] }, 50, 2, 30],
  ['TestReplicaCalcScaleDownExcludeUnscheduledPods', { currentReplicas: 5, requests: ones(5), levels: [100], readiness: ['True', 'False', 'False', 'False', 'False'], phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'] }, 50, 1, 10],
  ['TestReplicaCalcScaleDownIgnoreHotCpuPods', { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250], hot: [false, false, false, true, true] }, 50, 2, 30],
  ['TestReplicaCalcScaleDownIgnoresFailedPods', { currentReplicas: 5, requests: ones(7), levels: [100, 300, 500, 250, 250], readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'] }, 50, 3, 28],
  ['TestReplicaCalcScaleDownIgnoresDeletionPods', { currentReplicas: 5, requests: ones(7), levels: [100, 300, 500, 250, 250], readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: Array(7).fill('Running'), deleting: [false, false, false, false, false, true, true] }, 50, 3, 28],
  ['TestReplicaCalcTolerance', { currentReplicas: 3, requests: ['0.9', '1.0', '1.1'], levels: [1010, 1030, 1020] }, 100, 3, 102],
  ['TestReplicaCalcSuperfluousMetrics', { currentReplicas: 4, requests: ones(4), levels: [4000, 9500, 3000, 7000, 3200, 2000] }, 100, 24, 587],
  ['TestReplicaCalcMissingMetrics', { currentReplicas: 4, requests: ones(4), levels: [400, 95] }, 100, 3, 24],
  ['TestReplicaCalcMissingMetricsNoChangeEq', { currentReplicas: 2, requests: ones(2), levels: [1000] }, 100, 2, 100],
  ['TestReplicaCalcMissingMetricsNoChangeGt', { currentReplicas: 2, requests: ones(2), levels: [1900] }, 100, 2, 190],
  ['TestReplicaCalcMissingMetricsNoChangeLt', { currentReplicas: 2, requests: ones(2), levels: [600] }, 100, 2, 60],
  ['TestReplicaCalcMissingMetricsUnreadyChange', { currentReplicas: 3, requests: ones(3), levels: [100, 450], readiness: ['False', 'True', 'True'] }, 50, 3, 45],
  ['TestReplicaCalcMissingMetricsHotCpuNoChange', { currentReplicas: 3, requests: ones(3), levels: [100, 450], hot: [true, false, false] }, 50, 3, 45],
  ['TestReplicaCalcMissingMetricsUnreadyScaleUp', { currentReplicas: 3, requests: ones(3), levels: [100, 2000], readiness: ['False', 'True', 'True'] }, 50, 4, 200],
  ['TestReplicaCalcMissingMetricsHotCpuScaleUp', { currentReplicas: 3, requests: ones(3), levels: [100, 2000], readiness: ['False', 'True', 'True'], hot: [true, false, false] }, 50, 4, 200],
  ['TestReplicaCalcMissingMetricsUnreadyScaleDown', { currentReplicas: 4, requests: ones(4), levels: [100, 100, 100], readiness: ['False', 'True', 'True', 'True'] }, 50, 3, 10],
  ['TestReplicaCalcDuringRollingUpdateWithMaxSurge', { currentReplicas: 2, requests: ones(3), levels: [100, 100], phase: ['Running', 'Running', 'Running'] }, 50, 2, 10],
];

for (const [name, c, target, replicas, utilization] of cases) {
  test(`${name}: ${replicas} replicas at ${utilization}%`, () => {
    const p = resource(c, target);
    assert.equal(p.replicas, replicas, p.steps.join('\n'));
    assert.equal(p.current, utilization);
  });
}

test('TestReplicaCalcComputedToleranceAlgImplementation: a change just past the tolerance scales, one just inside does not', () => {
  // 10 pods using 150m each, requesting about 300m each (jittered); the target is chosen so
  // that the usage ratio sits just outside, then just inside, the 0.1 tolerance.
  const per = 300;
  const requests = [per + 100, per - 100, per + 10, per - 10, per + 2, per - 2, per + 1, per - 1, per, per].map((m) => `${m}m`);
  const c: CalcCase = { currentReplicas: 10, requests, levels: Array(10).fill(150) };
  const outside = Math.trunc((Math.abs(1 / (2 * (1 - 0.1))) + 0.01) * 100);
  const finalPods = Math.ceil((1500 / (3000 * ((Math.abs(1 / (2 * (1 - 0.1))) + 0.01)))) * 10);
  assert.equal(resource(c, outside).replicas, finalPods);
  const inside = Math.trunc((Math.abs(1 / (2 * (1 - 0.1))) + 0.004) * 100);
  assert.equal(resource(c, inside).replicas, 10);
});

test('TestReplicaCalcEmptyMetrics: no metrics at all is an error, not a proposal', () => {
  assert.throws(() => resource({ currentReplicas: 4, requests: ones(3), levels: [] }, 100), /no metrics returned from resource metrics API/);
});

test('TestReplicaCalcEmptyCPURequest: a pod without a CPU request cannot be scaled on utilisation', () => {
  assert.throws(() => resource({ currentReplicas: 1, requests: [], levels: [200] }, 100), (e: Error) => e instanceof MetricError && /missing request for cpu/.test(e.message));
});

test('TestReplicaCalcDisjointResourcesMetrics: metrics that match no pod are an error', () => {
  assert.throws(() => resource({ currentReplicas: 1, requests: ['1.0'], levels: [100], podNames: ['an-older-pod-name'] }, 100), /no metrics returned matched known pods|did not receive metrics/);
});

test('TestReplicaCalcScaleUpCM (a Pods metric): 3 pods averaging 20 against 15 become 4', () => {
  const { pods } = calcInputs({ currentReplicas: 3, levels: [] });
  const samples = new Map([20000, 10000, 30000].map((v, i) => [`test-pod-${i}`, { value: v, timestamp: NOW, windowMs: 60_000 }]));
  const p = plainReplicas(3, 15000, 'qps', pods, samples, { now: NOW });
  assert.equal(p.replicas, 4);
  assert.equal(p.current, 20000);
});

test('TestReplicaCalcToleranceCM: an average of 20.666 against 20 is within tolerance', () => {
  const { pods } = calcInputs({ currentReplicas: 3, levels: [] });
  const samples = new Map([20000, 21000, 21000].map((v, i) => [`test-pod-${i}`, { value: v, timestamp: NOW, windowMs: 60_000 }]));
  assert.equal(plainReplicas(3, 20000, 'qps', pods, samples, { now: NOW }).replicas, 3);
});

test('TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods: a Value target multiplies the ready pods only', () => {
  const { pods } = calcInputs({ currentReplicas: 3, levels: [], readiness: ['False', 'True', 'False'] });
  assert.equal(valueReplicas(3, 8600, 4400, pods, { now: NOW }).replicas, 2);
});

test('TestReplicaCalcScaleDownCMExternal: 8.6 against 14.334 on 5 ready pods becomes 3', () => {
  const { pods } = calcInputs({ currentReplicas: 5, levels: [] });
  assert.equal(valueReplicas(5, 8600, 14334, pods, { now: NOW }).replicas, 3);
});

test('TestReplicaCalcScaleUpPerPodCMExternal and TestReplicaCalcScaleDownPerPodCMExternal: an AverageValue target divides the total', () => {
  const up = averageValueReplicas(3, 3, 8600, 2150, { now: NOW });
  assert.deepEqual([up.replicas, up.current], [4, 2867]);
  const down = averageValueReplicas(5, 5, 8600, 2867, { now: NOW });
  assert.deepEqual([down.replicas, down.current], [3, 1720]);
  assert.equal(averageValueReplicas(3, 3, 8600, 2900, { now: NOW }).replicas, 3, 'TestReplicaCalcTolerancePerPodCMExternal');
});

test('the pods left out of the first pass are named with the reason, and what the second pass assumed for them', () => {
  const p = resource({ currentReplicas: 4, requests: ones(4), levels: [100, 100, 100], readiness: ['False', 'True', 'True', 'True'] }, 50);
  assert.deepEqual(p.pods.map((x) => [x.name, x.leftOut ?? null, x.assumed ?? null]), [
    ['test-pod-0', 'unready', null], ['test-pod-1', null, null], ['test-pod-2', null, null], ['test-pod-3', 'missing metrics', 2000],
  ]);
  assert.equal(p.pods[1]!.utilization, 10);
});
