// The reactive autoscaler's decide(): the HPA answer, then the cooldowns on top (unless the
// target turns them off), a PromQL value as an External metric, and what each decision records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cooldownHold, decideTarget, type TargetObservation } from '../../../controllers/reactive/decide.ts';
import { parseTargetSpec } from '../../../controllers/reactive/store.ts';
import { EMPTY_HISTORY } from '../../../controllers/hpa/behavior.ts';
import { calcInputs, NOW } from '../hpa/fixtures.ts';

const promSpec = (extra: Record<string, unknown> = {}) => parseTargetSpec({
  minReplicas: 1, maxReplicas: 20,
  metrics: [{ type: 'Prometheus', name: 'queue_depth', query: 'sum(llm_gateway_queue_depth)', targetType: 'AverageValue', target: 10 }], ...extra,
});

function observation(spec: ReturnType<typeof promSpec>, value: number | { error: string }, lastScale: TargetObservation['lastScale'] = null): TargetObservation {
  const { pods } = calcInputs({ currentReplicas: 4, levels: [] });
  return {
    target: { namespace: 'platform', name: 'llm-gateway', spec }, deployment: { specReplicas: 4, statusReplicas: 4 }, pods,
    metrics: { resources: new Map(), pods: new Map(), external: new Map([['queue_depth', typeof value === 'number' ? value * 1000 : value]]) },
    history: { ...EMPTY_HISTORY, recommendations: [{ at: NOW - 60_000, replicas: 4 }] }, lastScale, lastDecision: null,
  };
}

test('a PromQL total against a per-replica target scales as the HPA\'s External AverageValue: ceil(90 / 10) = 9, capped at 2 × 4', () => {
  const [d] = decideTarget(observation(promSpec(), 90), new Date(NOW));
  assert.equal(d!.decision, 'scale platform/llm-gateway 4→8');
  assert.equal(d!.inputs.rawProposal, 9);
  assert.equal(d!.inputs.limit, 'ScaleUpLimit');
  assert.equal(d!.inputs.drivenBy, 'queue_depth');
});

test('within 300 s of the last scaling a scale-up is held; past it, it goes', () => {
  const last = { at: NOW - 200_000, from: 3, to: 4 };
  const [held] = decideTarget(observation(promSpec(), 90, last), new Date(NOW));
  assert.match(held!.decision, /^hold platform\/llm-gateway at 4 \(wants 8; scale-up cooldown until /);
  assert.equal(held!.action.kind, 'record');
  const [go] = decideTarget(observation(promSpec(), 90, last), new Date(NOW + 101_000));
  assert.equal(go!.action.kind, 'scale');
});

test('a target that sets cooldown to null scales as the HPA alone would', () => {
  const [d] = decideTarget(observation(promSpec({ cooldown: null }), 90, { at: NOW - 1_000, from: 3, to: 4 }), new Date(NOW));
  assert.equal(d!.action.kind, 'scale');
});

test('scale-down waits 600 s; behavior is honoured under it (Pods 1 per minute)', () => {
  assert.deepEqual(cooldownHold(NOW, 4, 2, { at: NOW - 599_000, from: 5, to: 4 }, { upSeconds: 300, downSeconds: 600 }), { direction: 'down', until: NOW + 1_000 });
  assert.equal(cooldownHold(NOW, 4, 2, { at: NOW - 600_000, from: 5, to: 4 }, { upSeconds: 300, downSeconds: 600 }), null);
  const spec = promSpec({ behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
  const [d] = decideTarget(observation(spec, 5), new Date(NOW));
  assert.equal(d!.decision, 'scale platform/llm-gateway 4→3');
});

test('a PromQL query that fails blocks a scale-down and decides nothing', () => {
  assert.deepEqual(decideTarget(observation(promSpec(), { error: 'Prometheus at http://p:9090 did not answer' }), new Date(NOW)), []);
});
