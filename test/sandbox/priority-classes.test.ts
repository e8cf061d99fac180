// PriorityClasses and the Priority admission plugin on the sandbox API server, driven by the
// real @kubernetes/client-node over HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSandboxApi, type RunningApiServer } from '../../sandbox/k8s/index.ts';
import { rejection } from './rejection.ts';

let api: RunningApiServer;
let core: k8s.CoreV1Api;
let scheduling: k8s.SchedulingV1Api;
let n = 0;

before(async () => {
  api = await startSandboxApi();
  core = api.kubeConfig().makeApiClient(k8s.CoreV1Api);
  scheduling = api.kubeConfig().makeApiClient(k8s.SchedulingV1Api);
});
after(() => api.close());

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);


const className = () => `class-${++n}`;

async function priorityClass(value: number, extra: Partial<k8s.V1PriorityClass> = {}): Promise<k8s.V1PriorityClass> {
  return scheduling.createPriorityClass({ body: { metadata: { name: className() }, value, ...extra } });
}

async function namespace(): Promise<string> {
  const name = `prio-${++n}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function pod(name: string, spec: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod {
  return { metadata: { name }, spec: { containers: [{ name: 'agent', image: 'ghcr.io/openhands/agent-server:1.0' }], ...spec } };
}

test('a PriorityClass is created with its defaults, read back, listed and deleted through SchedulingV1Api', async () => {
  const created = await scheduling.createPriorityClass({ body: { metadata: { name: 'workspaces' }, value: 1000, description: 'tenant workspaces' } });
  assert.equal(created.value, 1000);
  assert.equal(created.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(created.metadata!.generation, 1);
  const read = await scheduling.readPriorityClass({ name: 'workspaces' });
  assert.equal(read.description, 'tenant workspaces');
  const names = (await scheduling.listPriorityClass()).items.map((c) => c.metadata!.name);
  assert.ok(names.includes('workspaces'));
  await scheduling.deletePriorityClass({ name: 'workspaces' });
  assert.equal((await rejection(scheduling.readPriorityClass({ name: 'workspaces' }))).code, 404);
});

test('a fresh cluster has the system PriorityClasses, and deleting one is 403 Forbidden', async () => {
  const critical = await scheduling.readPriorityClass({ name: 'system-cluster-critical' });
  assert.equal(critical.value, 2_000_000_000);
  assert.equal((await scheduling.readPriorityClass({ name: 'system-node-critical' })).value, 2_000_001_000);
  const { code, status } = await rejection(scheduling.deletePriorityClass({ name: 'system-cluster-critical' }));
  assert.equal(code, 403);
  assert.equal(status.message, 'priorityclasses.scheduling.k8s.io "system-cluster-critical" is forbidden: this is a system priority class and cannot be deleted');
  assert.ok(await scheduling.readPriorityClass({ name: 'system-cluster-critical' }));
});

test('changing a PriorityClass value is 422 Invalid naming the field, and the class keeps its value', async () => {
  const pc = await priorityClass(100);
  const { code, status } = await rejection(scheduling.patchPriorityClass({ name: pc.metadata!.name!, body: { value: 200 } }, mergePatch));
  assert.equal(code, 422);
  assert.equal(status.reason, 'Invalid');
  assert.equal(status.details.causes[0].field, 'value');
  assert.match(status.message, /^PriorityClass\.scheduling\.k8s\.io "class-\d+" is invalid: value: Forbidden: may not be changed in an update\.$/);
  assert.equal((await scheduling.readPriorityClass({ name: pc.metadata!.name! })).value, 100);
});

test('a PriorityClass description may change after creation', async () => {
  const pc = await priorityClass(100, { description: 'before' });
  const updated = await scheduling.patchPriorityClass({ name: pc.metadata!.name!, body: { description: 'after' } }, mergePatch);
  assert.equal(updated.description, 'after');
  assert.equal(updated.metadata!.generation, 1, 'the registry never bumps a PriorityClass generation');
});

test('a PriorityClass preemptionPolicy is immutable: 422 Invalid', async () => {
  const pc = await priorityClass(100);
  const { code, status } = await rejection(scheduling.patchPriorityClass({ name: pc.metadata!.name!, body: { preemptionPolicy: 'Never' } }, mergePatch));
  assert.equal(code, 422);
  assert.equal(status.details.causes[0].field, 'preemptionPolicy');
  assert.match(status.message, /preemptionPolicy: Invalid value: "Never": field is immutable/);
});

test('a second globalDefault PriorityClass is 403 Forbidden naming the existing default, and is not created', async () => {
  const first = await priorityClass(10, { globalDefault: true });
  try {
    const name = className();
    const { code, status } = await rejection(scheduling.createPriorityClass({ body: { metadata: { name }, value: 20, globalDefault: true } }));
    assert.equal(code, 403);
    assert.equal(status.message, `priorityclasses.scheduling.k8s.io "${name}" is forbidden: PriorityClass ${first.metadata!.name} is already marked as default. Only one default can exist`);
    assert.equal((await rejection(scheduling.readPriorityClass({ name }))).code, 404);
    // Marking another existing class as the default is refused the same way.
    const other = await priorityClass(30);
    assert.equal((await rejection(scheduling.patchPriorityClass({ name: other.metadata!.name!, body: { globalDefault: true } }, mergePatch))).code, 403);
  } finally {
    await scheduling.deletePriorityClass({ name: first.metadata!.name! });
  }
});

test('a user PriorityClass above 1000000000 is 422 Invalid', async () => {
  const { code, status } = await rejection(priorityClass(1_000_000_001));
  assert.equal(code, 422);
  assert.match(status.message, /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/);
});

test('the system- prefix is reserved: an unknown system- class is 422 Invalid', async () => {
  const { code, status } = await rejection(scheduling.createPriorityClass({ body: { metadata: { name: 'system-mine' }, value: 5 } }));
  assert.equal(code, 422);
  assert.equal(status.details.causes[0].field, 'metadata.name');
  assert.match(status.message, /priority class names with 'system-' prefix are reserved for system use only\. error: system-mine is not a known system priority class/);
});

test('an unsupported preemptionPolicy is 422 Invalid listing the supported ones', async () => {
  const { code, status } = await rejection(priorityClass(5, { preemptionPolicy: 'Sometimes' }));
  assert.equal(code, 422);
  assert.match(status.message, /preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"/);
});

test('a PriorityClass value that is not an int32 is 400 BadRequest, as the API server fails to decode it', async () => {
  const { code, status } = await rejection(scheduling.createPriorityClass({ body: { metadata: { name: className() }, value: 'high' as unknown as number } }));
  assert.equal(code, 400);
  assert.match(status.message, /cannot unmarshal string into Go struct field PriorityClass\.value of type int32/);
  assert.equal((await rejection(priorityClass(2 ** 31))).code, 400);
});

test('a PriorityClass sent without a value is stored at 0, as the real API server decodes the plain int32', async () => {
  const name = className();
  const created = await scheduling.createPriorityClass({ body: { metadata: { name } } as k8s.V1PriorityClass });
  assert.equal(created.value, 0);
});

test('a pod naming a PriorityClass gets its value as spec.priority and its preemptionPolicy', async () => {
  const ns = await namespace();
  const pc = await priorityClass(-10, { preemptionPolicy: 'Never' });
  const created = await core.createNamespacedPod({ namespace: ns, body: pod('placeholder', { priorityClassName: pc.metadata!.name }) });
  assert.equal(created.spec!.priority, -10);
  assert.equal(created.spec!.preemptionPolicy, 'Never');
});

test('a pod naming a PriorityClass that does not exist is 403 Forbidden with the admission plugin\'s message, and is not created', async () => {
  const ns = await namespace();
  const { code, status } = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('ws-1', { priorityClassName: 'nope' }) }));
  assert.equal(code, 403);
  assert.equal(status.reason, 'Forbidden');
  assert.equal(status.message, 'pods "ws-1" is forbidden: no PriorityClass with name nope was found');
  assert.equal((await core.listNamespacedPod({ namespace: ns })).items.length, 0);
});

test('a generated pod name is not known at admission: the refusal names the generateName prefix', async () => {
  const ns = await namespace();
  const body = { ...pod(''), metadata: { generateName: 'ws-' }, spec: { ...pod('').spec!, priorityClassName: 'nope' } };
  const { status } = await rejection(core.createNamespacedPod({ namespace: ns, body }));
  assert.equal(status.message, 'pods "ws-" is forbidden: no PriorityClass with name nope was found');
});

test('a pod without a class runs at priority 0 with PreemptLowerPriority when no class is the global default', async () => {
  const ns = await namespace();
  const created = await core.createNamespacedPod({ namespace: ns, body: pod('plain') });
  assert.equal(created.spec!.priority, 0);
  assert.equal(created.spec!.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(created.spec!.priorityClassName, undefined);
});

test('a pod without a class takes the globalDefault class: its name, value and preemptionPolicy', async () => {
  const ns = await namespace();
  const dflt = await priorityClass(7, { globalDefault: true, preemptionPolicy: 'Never' });
  try {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('defaulted') });
    assert.equal(created.spec!.priorityClassName, dflt.metadata!.name);
    assert.equal(created.spec!.priority, 7);
    assert.equal(created.spec!.preemptionPolicy, 'Never');
  } finally {
    await scheduling.deletePriorityClass({ name: dflt.metadata!.name! });
  }
});

test('a pod whose spec.priority disagrees with its class is 403 Forbidden; one that agrees is admitted', async () => {
  const ns = await namespace();
  const pc = await priorityClass(500);
  const { code, status } = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('liar', { priorityClassName: pc.metadata!.name, priority: 1 }) }));
  assert.equal(code, 403);
  assert.equal(status.message, 'pods "liar" is forbidden: the integer value of priority (1) must not be provided in pod spec; priority admission controller computed 500 from the given PriorityClass name');
  const agreeing = await core.createNamespacedPod({ namespace: ns, body: pod('honest', { priorityClassName: pc.metadata!.name, priority: 500 }) });
  assert.equal(agreeing.spec!.priority, 500);
});

test('a pod whose preemptionPolicy disagrees with its class is 403 Forbidden', async () => {
  const ns = await namespace();
  const pc = await priorityClass(500, { preemptionPolicy: 'Never' });
  const { code, status } = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('eager', { priorityClassName: pc.metadata!.name, preemptionPolicy: 'PreemptLowerPriority' }) }));
  assert.equal(code, 403);
  assert.match(status.message, /the string value of PreemptionPolicy \(PreemptLowerPriority\) must not be provided in pod spec; priority admission controller computed Never/);
});

test('a pod replaced without spec.priority keeps the priority admission gave it; changing it is 422 Invalid', async () => {
  const ns = await namespace();
  const pc = await priorityClass(300);
  const created = await core.createNamespacedPod({ namespace: ns, body: pod('kept', { priorityClassName: pc.metadata!.name }) });
  const { priority: _p, preemptionPolicy: _pp, ...spec } = created.spec!;
  const replaced = await core.replaceNamespacedPod({ namespace: ns, name: 'kept', body: { ...created, spec } });
  assert.equal(replaced.spec!.priority, 300);
  assert.equal(replaced.spec!.preemptionPolicy, 'PreemptLowerPriority');
  const { code } = await rejection(core.replaceNamespacedPod({ namespace: ns, name: 'kept', body: { ...replaced, spec: { ...replaced.spec!, priority: 301 } } }));
  assert.equal(code, 422);
});

test('discovery lists scheduling.k8s.io/v1 priorityclasses, cluster-scoped, short name pc', async () => {
  const list = await api.kubeConfig().makeApiClient(k8s.SchedulingV1Api).getAPIResources();
  const pcs = list.resources.find((r) => r.name === 'priorityclasses')!;
  assert.equal(pcs.namespaced, false);
  assert.equal(pcs.kind, 'PriorityClass');
  assert.deepEqual(pcs.shortNames, ['pc']);
});
