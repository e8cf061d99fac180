// Whole syncs, from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go:
// min/max and the legacy scale-up cap around the calculator, several metrics taking the
// largest, and a metric that cannot be read blocking a scale-down but not a scale-up. As
// upstream, the controller starts with an empty (non-nil) recommendation log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syncHpa, type HpaSpec, type MetricSpec } from '../../../controllers/hpa/hpa.ts';
import { EMPTY_HISTORY } from '../../../controllers/hpa/behavior.ts';
import { calcInputs, NOW } from './fixtures.ts';

const cpu = (target: number): MetricSpec => ({ type: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: target } });
const broken: MetricSpec = { type: 'External', name: 'qps', target: { type: 'Value', value: 1000 } };

function sync(spec: HpaSpec, replicas: number, levels: number[], firstSync = false) {
  const { pods, samples } = calcInputs({ currentReplicas: replicas, requests: Array(replicas).fill('1.0'), levels });
  return syncHpa({
    spec, specReplicas: replicas, statusReplicas: replicas, pods, now: NOW, history: EMPTY_HISTORY, recordInitialRecommendation: firstSync,
    metrics: { resources: new Map([['cpu', samples]]), pods: new Map(), external: new Map([['qps', { error: 'the external metrics API is unavailable' }]]) },
  });
}

test('TestScaleUp: 3 → 5', () => {
  assert.equal(sync({ minReplicas: 2, maxReplicas: 6, metrics: [cpu(30)] }, 3, [300, 500, 700]).desiredReplicas, 5);
});

test('TestScaleDown: 5 → 3', () => {
  assert.equal(sync({ minReplicas: 2, maxReplicas: 6, metrics: [cpu(50)] }, 5, [100, 300, 500, 250, 250]).desiredReplicas, 3);
});

test('TestMinReplicas: a proposal of 1 is raised to minReplicas 2 (TooFewReplicas)', () => {
  const r = sync({ minReplicas: 2, maxReplicas: 5, metrics: [cpu(90)] }, 3, [10, 95, 10]);
  assert.deepEqual([r.desiredReplicas, r.normalized?.limit], [2, 'TooFewReplicas']);
});

test('TestMaxReplicas: a proposal of 21 is cut to maxReplicas 5 (TooManyReplicas)', () => {
  const r = sync({ minReplicas: 2, maxReplicas: 5, metrics: [cpu(90)] }, 3, [8000, 9500, 1000]);
  assert.deepEqual([r.desiredReplicas, r.normalized?.limit], [5, 'TooManyReplicas']);
});

test('TestZeroReplicas: a target scaled to zero is left alone (scaling disabled)', () => {
  const r = sync({ minReplicas: 3, maxReplicas: 5, metrics: [cpu(90)] }, 0, []);
  assert.deepEqual([r.desiredReplicas, r.rescale, r.rule], [0, false, 'ScalingDisabled']);
});

test('TestTooFewReplicas and TestTooManyReplicas: a count outside min/max is brought in without reading metrics', () => {
  assert.equal(sync({ minReplicas: 3, maxReplicas: 5, metrics: [cpu(90)] }, 2, []).desiredReplicas, 3);
  assert.equal(sync({ minReplicas: 3, maxReplicas: 5, metrics: [cpu(90)] }, 10, []).desiredReplicas, 5);
});

test('TestScaleUpOneMetricInvalid: a metric that cannot be read does not stop a scale-up', () => {
  const r = sync({ minReplicas: 2, maxReplicas: 6, metrics: [cpu(30), broken] }, 3, [300, 400, 500]);
  assert.equal(r.desiredReplicas, 4);
  assert.match(r.metrics[1]!.error!, /external metrics API is unavailable/);
});

test('TestScaleDownOneMetricInvalid: it does stop a scale-down', () => {
  const r = sync({ minReplicas: 2, maxReplicas: 6, metrics: [cpu(50), broken] }, 5, [100, 300, 500, 250, 250]);
  assert.deepEqual([r.desiredReplicas, r.rescale, r.rule], [5, false, 'FailedGetMetrics']);
});

test('several metrics: the largest proposal wins and is named', () => {
  const { pods, samples } = calcInputs({ currentReplicas: 3, requests: ['1.0', '1.0', '1.0'], levels: [300, 500, 700] });
  const mem = new Map([...samples].map(([k, v]) => [k, { ...v, value: v.value * 1000 }]));
  const r = syncHpa({
    spec: { minReplicas: 1, maxReplicas: 10, metrics: [cpu(50), { type: 'Resource', resource: 'memory', target: { type: 'AverageValue', averageValue: 200_000 } }] },
    specReplicas: 3, statusReplicas: 3, pods, now: NOW, history: EMPTY_HISTORY,
    metrics: { resources: new Map([['cpu', samples], ['memory', mem]]), pods: new Map(), external: new Map() },
  });
  // cpu: 50 % against 50 % keeps 3; memory: 1000k per pod on average against 200k asks for 15 (capped at 6)
  assert.equal(r.drivenBy, 'memory');
  assert.equal(r.rawProposal, 15);
  assert.equal(r.desiredReplicas, 6);
});

test('a freshly started controller records the current count first, so it does not scale down in its first window', () => {
  const r = sync({ minReplicas: 2, maxReplicas: 6, metrics: [cpu(50)] }, 5, [100, 300, 500, 250, 250], true);
  assert.deepEqual([r.rawProposal, r.desiredReplicas, r.normalized?.stabilization], [3, 5, 'ScaleDownStabilized']);
  assert.equal(r.initialRecommendation, true);
});
