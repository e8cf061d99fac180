import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLifecycle, type LifecycleObservation, type ObservedWorkspace } from '../../../controllers/workspaces/decide.ts';
import { namespaceFor } from '../../../controllers/workspaces/manifests.ts';
import type { WorkspaceState } from '../../../tenancy/workspace-states.ts';

const T = '11111111-1111-4111-8111-111111111111';
const NOW = new Date('2026-11-28T12:00:00Z');
const ALL = { PersistentVolumeClaim: true, Service: true, PodDisruptionBudget: true, Deployment: true } as const;

function ws(state: WorkspaceState, extra: Partial<ObservedWorkspace> = {}): ObservedWorkspace {
  return {
    spec: { id: 'aaaaaaaa-0000-4000-8000-000000000001', tenantId: T, resourceFactor: 1, nodePool: 'on-demand', region: 'eu-west-1', repository: null },
    state, version: 3, startingAt: new Date(NOW.getTime() - 10_000), objects: {}, pods: [], ...extra,
  };
}

const obs = (workspaces: ObservedWorkspace[], namespaces = [namespaceFor(T)]): LifecycleObservation =>
  ({ now: NOW, namespaces: new Set(namespaces), workspaces, startTimeoutMs: 300_000 });
const kinds = (o: LifecycleObservation) => decideLifecycle(o).map((d) => d.decision.split(' ').slice(0, 2).join(' '));

test('a new workspace in a tenant without a namespace first gets the namespace, alone', () => {
  const d = decideLifecycle(obs([ws('pending')], []));
  assert.deepEqual(d.map((x) => x.decision), [`create Namespace ${namespaceFor(T)}`]);
});

test('a pending workspace gets its volume, service, PDB and deployment, then becomes starting', () => {
  assert.deepEqual(kinds(obs([ws('pending')])), [
    'create PersistentVolumeClaim', 'create Service', 'create PodDisruptionBudget', 'create Deployment', 'pending →',
  ]);
  const create = decideLifecycle(obs([ws('pending')])).find((d) => d.action.type === 'create' && d.action.kind === 'Deployment');
  assert.equal(create?.action.type === 'create' && create.action.replicas, 1);
});

test('a starting workspace whose pod is ready becomes running; unchanged, nothing more is decided', () => {
  const ready = ws('starting', { objects: ALL, replicas: 1, readyReplicas: 1 });
  assert.deepEqual(decideLifecycle(obs([ready])).map((d) => d.decision), ['starting → running']);
  assert.deepEqual(decideLifecycle(obs([ws('running', { objects: ALL, replicas: 1, readyReplicas: 1 })])), []);
});

test('pausing scales the deployment to zero and keeps every other object', () => {
  const d = decideLifecycle(obs([ws('paused', { objects: ALL, replicas: 1, readyReplicas: 1 })]));
  assert.deepEqual(d.map((x) => x.action), [{ type: 'scale', namespace: namespaceFor(T), name: 'ws-aaaaaaaa-0000-4000-8000-000000000001', replicas: 0 }]);
  assert.deepEqual(decideLifecycle(obs([ws('paused', { objects: ALL, replicas: 0 })])), []);
});

test('resuming (starting with zero replicas) scales back to one', () => {
  const d = decideLifecycle(obs([ws('starting', { objects: ALL, replicas: 0, readyReplicas: 0 })]));
  assert.deepEqual(d.map((x) => x.decision), [`scale Deployment ${namespaceFor(T)}/ws-aaaaaaaa-0000-4000-8000-000000000001 0→1`]);
});

test('an archived workspace loses its objects, deployment first and volume last', () => {
  assert.deepEqual(kinds(obs([ws('archived', { objects: ALL })])), [
    'delete Deployment', 'delete PodDisruptionBudget', 'delete Service', 'delete PersistentVolumeClaim',
  ]);
  assert.deepEqual(decideLifecycle(obs([ws('archived')])), []);
});

test('a deleted object of a running workspace is recreated', () => {
  const { Service: _s, ...rest } = ALL;
  assert.deepEqual(kinds(obs([ws('running', { objects: rest, replicas: 1, readyReplicas: 1 })])), ['create Service']);
});

test('a start that never becomes ready turns into an error after the start timeout, naming it', () => {
  const late = ws('starting', { objects: ALL, replicas: 1, readyReplicas: 0, startingAt: new Date(NOW.getTime() - 301_000) });
  const [d] = decideLifecycle(obs([late]));
  assert.equal(d?.action.type === 'transition' && d.action.to, 'error');
  assert.match(d!.reason, /start timeout: no ready pod 301 s after starting \(limit 300 s\)/);
  const early = ws('starting', { objects: ALL, replicas: 1, readyReplicas: 0, startingAt: new Date(NOW.getTime() - 299_000) });
  assert.deepEqual(decideLifecycle(obs([early])), []);
});

test('a crash-looping sandbox turns its workspace to error with the container\'s reason', () => {
  const crashing = ws('starting', { objects: ALL, replicas: 1, readyReplicas: 0, pods: [{ name: 'p', phase: 'Running', ready: false, problem: 'CrashLoopBackOff' }] });
  const [d] = decideLifecycle(obs([crashing]));
  assert.equal(d?.reason, 'sandbox failed to start: CrashLoopBackOff');
});

test('a transition carries the version it was decided on, so a concurrent user change wins', () => {
  const [d] = decideLifecycle(obs([ws('starting', { objects: ALL, replicas: 1, readyReplicas: 1, version: 7 })]));
  assert.equal(d?.action.type === 'transition' && d.action.expectedVersion, 7);
});
