// The sandbox API server, driven by the real @kubernetes/client-node over HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSandboxApi, type RunningApiServer } from '../../sandbox/k8s/index.ts';
import { rejection } from './rejection.ts';

let api: RunningApiServer;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let coord: k8s.CoordinationV1Api;
let policy: k8s.PolicyV1Api;
let n = 0;

before(async () => {
  api = await startSandboxApi();
  const kc = api.kubeConfig();
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  coord = kc.makeApiClient(k8s.CoordinationV1Api);
  policy = kc.makeApiClient(k8s.PolicyV1Api);
});
after(() => api.close());

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategicPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

async function namespace(): Promise<string> {
  const name = `ns-${++n}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function deployment(name: string, labels: Record<string, string> = { app: name }): k8s.V1Deployment {
  return {
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'ghcr.io/openhands/agent-server:1.0', resources: { requests: { cpu: '500m', memory: '3Gi' } } }] } },
    },
  };
}


test('a created deployment is read back with server-set uid, creationTimestamp, generation and resourceVersion', async () => {
  const ns = await namespace();
  const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web') });
  assert.match(created.metadata!.uid!, /^[0-9a-f-]{36}$/);
  assert.ok(created.metadata!.creationTimestamp instanceof Date);
  assert.equal(created.metadata!.generation, 1);
  assert.equal(created.spec!.strategy!.type, 'RollingUpdate', 'defaults are applied');
  const read = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
  assert.equal(read.metadata!.resourceVersion, created.metadata!.resourceVersion);
  assert.equal(read.metadata!.uid, created.metadata!.uid);
});

test('every write increases the resourceVersion, and a list carries the latest one', async () => {
  const ns = await namespace();
  const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { k: '1' } } });
  const b = await core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { ...a, data: { k: '2' } } });
  assert.ok(Number(b.metadata!.resourceVersion) > Number(a.metadata!.resourceVersion));
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  assert.ok(Number(list.metadata!.resourceVersion) >= Number(b.metadata!.resourceVersion));
});

test('an update carrying a stale resourceVersion is a 409 Conflict Status and changes nothing', async () => {
  const ns = await namespace();
  const first = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web') });
  const second = await apps.replaceNamespacedDeployment({ namespace: ns, name: 'web', body: { ...first, spec: { ...first.spec!, replicas: 2 } } });
  const { code, status } = await rejection(apps.replaceNamespacedDeployment({ namespace: ns, name: 'web', body: { ...first, spec: { ...first.spec!, replicas: 5 } } }));
  assert.equal(code, 409);
  assert.equal(status.kind, 'Status');
  assert.equal(status.reason, 'Conflict');
  assert.match(status.message, /the object has been modified/);
  const now = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
  assert.equal(now.spec!.replicas, 2);
  assert.equal(now.metadata!.resourceVersion, second.metadata!.resourceVersion);
});

test('a merge patch that names a stale resourceVersion is refused with 409', async () => {
  const ns = await namespace();
  const first = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' }, data: { a: '1' } } });
  await core.patchNamespacedConfigMap({ namespace: ns, name: 'c', body: { data: { a: '2' } } }, mergePatch);
  const { code } = await rejection(core.patchNamespacedConfigMap({ namespace: ns, name: 'c', body: { metadata: { resourceVersion: first.metadata!.resourceVersion }, data: { a: '3' } } }, mergePatch));
  assert.equal(code, 409);
});

test('an update that changes nothing keeps the resourceVersion', async () => {
  const ns = await namespace();
  const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'same' }, data: { a: '1' } } });
  const again = await core.replaceNamespacedConfigMap({ namespace: ns, name: 'same', body: cm });
  assert.equal(again.metadata!.resourceVersion, cm.metadata!.resourceVersion);
});

test('reading a missing object is a 404 NotFound Status naming the resource', async () => {
  const ns = await namespace();
  const { code, status } = await rejection(apps.readNamespacedDeployment({ namespace: ns, name: 'ghost' }));
  assert.equal(code, 404);
  assert.deepEqual({ kind: status.kind, status: status.status, reason: status.reason, code: status.code }, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  assert.equal(status.message, 'deployments.apps "ghost" not found');
  assert.equal(status.details.name, 'ghost');
});

test('creating in a namespace that does not exist is a 404 for the namespace', async () => {
  const { code, status } = await rejection(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }));
  assert.equal(code, 404);
  assert.equal(status.message, 'namespaces "nowhere" not found');
});

test('creating an object that exists is a 409 AlreadyExists', async () => {
  const ns = await namespace();
  await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 60000 }] } } });
  const { code, status } = await rejection(core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 60000 }] } } }));
  assert.equal(code, 409);
  assert.equal(status.reason, 'AlreadyExists');
});

test('a deployment whose selector does not match its template is a 422 Invalid naming the field', async () => {
  const ns = await namespace();
  const bad = deployment('bad');
  bad.spec!.template.metadata!.labels = { app: 'other' };
  const { code, status } = await rejection(apps.createNamespacedDeployment({ namespace: ns, body: bad }));
  assert.equal(code, 422);
  assert.equal(status.reason, 'Invalid');
  assert.equal(status.details.causes[0].field, 'spec.template.metadata.labels');
  await rejection(apps.readNamespacedDeployment({ namespace: ns, name: 'bad' }));
});

test('an invalid name is a 422 and nothing is stored', async () => {
  const ns = await namespace();
  const { code, status } = await rejection(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Not_Valid' } } }));
  assert.equal(code, 422);
  assert.equal(status.details.causes[0].field, 'metadata.name');
  assert.equal((await core.listNamespacedConfigMap({ namespace: ns })).items.length, 0);
});

test('generateName gives a unique name with a five-character suffix', async () => {
  const ns = await namespace();
  const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'ws-' } } });
  const b = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'ws-' } } });
  assert.match(a.metadata!.name!, /^ws-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.notEqual(a.metadata!.name, b.metadata!.name);
});

test('equality label selectors: =, == and != (which also matches objects without the label)', async () => {
  const ns = await namespace();
  for (const [name, labels] of [['a', { tier: 'web', env: 'prod' }], ['b', { tier: 'db', env: 'prod' }], ['c', { env: 'dev' }]] as const) {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
  }
  const names = async (labelSelector: string) => (await core.listNamespacedConfigMap({ namespace: ns, labelSelector })).items.map((i) => i.metadata!.name).sort();
  assert.deepEqual(await names('tier=web'), ['a']);
  assert.deepEqual(await names('env==prod,tier=db'), ['b']);
  assert.deepEqual(await names('tier!=web'), ['b', 'c']);
});

test('set-based label selectors: in, notin, exists and !exists', async () => {
  const ns = await namespace();
  for (const [name, labels] of [['a', { tier: 'web' }], ['b', { tier: 'db' }], ['c', { other: 'x' }]] as const) {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
  }
  const names = async (labelSelector: string) => (await core.listNamespacedConfigMap({ namespace: ns, labelSelector })).items.map((i) => i.metadata!.name).sort();
  assert.deepEqual(await names('tier in (web, db)'), ['a', 'b']);
  assert.deepEqual(await names('tier notin (web)'), ['b', 'c']);
  assert.deepEqual(await names('tier'), ['a', 'b']);
  assert.deepEqual(await names('!tier'), ['c']);
});

test('a malformed label selector is a 400 BadRequest', async () => {
  const ns = await namespace();
  const { code, status } = await rejection(core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier in web' }));
  assert.equal(code, 400);
  assert.equal(status.reason, 'BadRequest');
});

test('field selectors filter on metadata.name, and an unsupported field is a 400', async () => {
  const ns = await namespace();
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'one' } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'two' } } });
  const list = await core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name=two' });
  assert.deepEqual(list.items.map((i) => i.metadata!.name), ['two']);
  const { code } = await rejection(core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'spec.nodeName=n1' }));
  assert.equal(code, 400);
});

test('the scale subresource reads replicas and the selector, and a merge patch on it scales the deployment', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('ws', { 'pilothouse.dev/workspace': 'w1' }) });
  const scale = await apps.readNamespacedDeploymentScale({ namespace: ns, name: 'ws' });
  assert.equal(scale.spec!.replicas, 1);
  assert.equal(scale.status!.selector, 'pilothouse.dev/workspace=w1');
  await apps.patchNamespacedDeploymentScale({ namespace: ns, name: 'ws', body: { spec: { replicas: 0 } } }, mergePatch);
  const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'ws' });
  assert.equal(d.spec!.replicas, 0);
  assert.equal(d.metadata!.generation, 2);
});

test('replacing the scale with a stale resourceVersion is a 409', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('ws') });
  const scale = await apps.readNamespacedDeploymentScale({ namespace: ns, name: 'ws' });
  await apps.replaceNamespacedDeploymentScale({ namespace: ns, name: 'ws', body: { ...scale, spec: { replicas: 2 } } });
  const { code } = await rejection(apps.replaceNamespacedDeploymentScale({ namespace: ns, name: 'ws', body: { ...scale, spec: { replicas: 3 } } }));
  assert.equal(code, 409);
});

test('a JSON patch (the client default) and a strategic merge patch on containers by name both apply', async () => {
  const ns = await namespace();
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('ws') });
  await apps.patchNamespacedDeployment({ namespace: ns, name: 'ws', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
  const d = await apps.patchNamespacedDeployment({ namespace: ns, name: 'ws', body: { spec: { template: { spec: { containers: [{ name: 'agent', image: 'ghcr.io/openhands/agent-server:1.1' }] } } } } }, strategicPatch);
  assert.equal(d.spec!.replicas, 3);
  const c = d.spec!.template.spec!.containers;
  assert.equal(c.length, 1);
  assert.equal(c[0]!.image, 'ghcr.io/openhands/agent-server:1.1');
  assert.equal(c[0]!.resources!.requests!.cpu, '500m', 'the strategic merge kept the container\'s other fields');
});

test('a status update through the main resource is ignored; through /status it is kept', async () => {
  const ns = await namespace();
  const d = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('ws') });
  const viaMain = await apps.replaceNamespacedDeployment({ namespace: ns, name: 'ws', body: { ...d, status: { readyReplicas: 7 } } });
  assert.equal(viaMain.status?.readyReplicas, undefined);
  const viaStatus = await apps.replaceNamespacedDeploymentStatus({ namespace: ns, name: 'ws', body: { ...viaMain, status: { readyReplicas: 1 } } });
  assert.equal(viaStatus.status!.readyReplicas, 1);
  assert.equal(viaStatus.metadata!.generation, 1, 'status writes do not bump the generation');
});

test('a lease is created and renewed with V1MicroTime, and keeps microsecond precision', async () => {
  const ns = await namespace();
  const t0 = new k8s.V1MicroTime();
  const lease = await coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'controllers' }, spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15, acquireTime: t0, renewTime: t0, leaseTransitions: 0 } } });
  assert.match(String(lease.spec!.renewTime), /\.\d{6}Z$/);
  const renewed = await coord.replaceNamespacedLease({ namespace: ns, name: 'controllers', body: { ...lease, spec: { ...lease.spec, renewTime: new k8s.V1MicroTime() } } });
  assert.ok(Number(renewed.metadata!.resourceVersion) > Number(lease.metadata!.resourceVersion));
  const { code } = await rejection(coord.replaceNamespacedLease({ namespace: ns, name: 'controllers', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'replica-b' } } }));
  assert.equal(code, 409, 'a takeover from a stale read loses');
});

test('a lease time with millisecond precision (a plain Date) is a 400, as a real API server answers', async () => {
  const ns = await namespace();
  const { code, status } = await rejection(coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', renewTime: new Date() as k8s.V1MicroTime } } }));
  assert.equal(code, 400);
  assert.match(status.message, /spec\.renewTime/);
});

test('deleting a deployment removes it and, by owner reference, what it owns', async () => {
  const ns = await namespace();
  const d = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('ws') });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ws', uid: d.metadata!.uid! }] } } });
  const status = await apps.deleteNamespacedDeployment({ namespace: ns, name: 'ws' });
  assert.equal(status.status, 'Success');
  await rejection(apps.readNamespacedDeployment({ namespace: ns, name: 'ws' }));
  assert.equal((await rejection(core.readNamespacedConfigMap({ namespace: ns, name: 'owned' }))).code, 404);
});

test('a delete with a stale resourceVersion precondition is a 409 and deletes nothing', async () => {
  const ns = await namespace();
  const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' }, data: { a: '1' } } });
  await core.patchNamespacedConfigMap({ namespace: ns, name: 'x', body: { data: { a: '2' } } }, mergePatch);
  const { code } = await rejection(core.deleteNamespacedConfigMap({ namespace: ns, name: 'x', body: { preconditions: { resourceVersion: cm.metadata!.resourceVersion } } }));
  assert.equal(code, 409);
  await core.readNamespacedConfigMap({ namespace: ns, name: 'x' });
});

test('cluster-scoped and namespaced paths are kept apart: nodes have no namespace, pods must have one', async () => {
  const node = await core.createNode({ body: { metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/region': 'eu-west' } } } });
  assert.equal(node.metadata!.namespace, undefined);
  const all = await core.listPodForAllNamespaces();
  assert.ok(Array.isArray(all.items));
  const res = await fetch(`${api.url}/api/v1/namespaces/default/nodes`);
  assert.equal(res.status, 404);
});

test('a PVC needs a storage request, and cannot shrink', async () => {
  const ns = await namespace();
  const bad = await rejection(core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'p' }, spec: { accessModes: ['ReadWriteOnce'], resources: {} } } }));
  assert.equal(bad.code, 422);
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'p' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } } });
  const shrink = await rejection(core.patchNamespacedPersistentVolumeClaim({ namespace: ns, name: 'p', body: { spec: { resources: { requests: { storage: '5Gi' } } } } }, mergePatch));
  assert.equal(shrink.code, 422);
});

test('a PodDisruptionBudget with both minAvailable and maxUnavailable is a 422', async () => {
  const ns = await namespace();
  const { code } = await rejection(policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: 'pdb' }, spec: { minAvailable: 1, maxUnavailable: 0, selector: { matchLabels: { a: 'b' } } } } }));
  assert.equal(code, 422);
  const ok = await policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: 'pdb' }, spec: { maxUnavailable: 0, selector: { matchLabels: { a: 'b' } } } } });
  assert.equal(ok.spec!.maxUnavailable, 0);
});

test('a pod that would exceed the namespace ResourceQuota is refused with 403 and the admission message', async () => {
  const ns = await namespace();
  await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'compute' }, spec: { hard: { 'requests.cpu': '1', pods: '10' } } } });
  const pod = (name: string): k8s.V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { requests: { cpu: '500m' } } }] } });
  await core.createNamespacedPod({ namespace: ns, body: pod('a') });
  await core.createNamespacedPod({ namespace: ns, body: pod('b') });
  const { code, status } = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('c') }));
  assert.equal(code, 403);
  assert.equal(status.message, 'pods "c" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1');
  const quota = await core.readNamespacedResourceQuota({ namespace: ns, name: 'compute' });
  assert.deepEqual(quota.status!.used, { 'requests.cpu': '1', pods: '2' });
});

test('discovery answers /api, /apis, /version and resource lists, so generic clients find resources', async () => {
  const kc = api.kubeConfig();
  const version = await kc.makeApiClient(k8s.VersionApi).getCode();
  assert.equal(version.major, '1');
  const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
  assert.ok(groups.groups.some((g) => g.name === 'coordination.k8s.io'));
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const ns = await namespace();
  await objects.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: ns }, spec: { maxUnavailable: 0, selector: { matchLabels: { a: 'b' } } } });
  const read = await objects.read({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: ns } });
  assert.equal(read.metadata!.name, 'p');
});

test('list pagination: limit and continue walk every item once', async () => {
  const ns = await namespace();
  for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `c${i}` } } });
  const seen: string[] = [];
  let cont: string | undefined;
  do {
    const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: cont });
    seen.push(...page.items.map((i) => i.metadata!.name!));
    cont = page.metadata!._continue;
  } while (cont);
  assert.deepEqual(seen, ['c0', 'c1', 'c2', 'c3', 'c4']);
});

test('a watch streams ADDED, MODIFIED and DELETED events in order, from a list\'s resourceVersion', async () => {
  const ns = await namespace();
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  const seen: string[] = [];
  const watch = new k8s.Watch(api.kubeConfig());
  const req = await watch.watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata!.resourceVersion }, (type, obj) => seen.push(`${type} ${obj.metadata.name} ${obj.data?.v ?? ''}`.trim()), () => {});
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w' }, data: { v: '1' } } });
  await core.patchNamespacedConfigMap({ namespace: ns, name: 'w', body: { data: { v: '2' } } }, mergePatch);
  await core.deleteNamespacedConfigMap({ namespace: ns, name: 'w' });
  for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((ok) => setTimeout(ok, 10));
  req.abort();
  assert.deepEqual(seen, ['ADDED w 1', 'MODIFIED w 2', 'DELETED w 2']);
});

test('an informer lists then watches, and keeps its cache in step with writes', async () => {
  const ns = await namespace();
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before', labels: { app: 'x' } } } });
  const informer = k8s.makeInformer(api.kubeConfig(), `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=x' }), 'app=x');
  await informer.start();
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after', labels: { app: 'x' } } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other', labels: { app: 'y' } } } });
  for (let i = 0; i < 100 && informer.list().length < 2; i++) await new Promise((ok) => setTimeout(ok, 10));
  await informer.stop();
  assert.deepEqual(informer.list().map((c) => c.metadata!.name).sort(), ['after', 'before']);
});

test('a patch with an unknown content type is a 415 naming the accepted patch types', async () => {
  const ns = await namespace();
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
  const res = await fetch(`${api.url}/api/v1/namespaces/${ns}/configmaps/x`, { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: 'data: {}' });
  assert.equal(res.status, 415);
  const status = await res.json();
  assert.equal(status.reason, 'UnsupportedMediaType');
  assert.match(status.message, /application\/merge-patch\+json/);
});

test('dryRun=All validates and answers as if created, but stores nothing', async () => {
  const ns = await namespace();
  const answer = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('dry'), dryRun: 'All' });
  assert.equal(answer.metadata!.name, 'dry');
  assert.equal((await rejection(apps.readNamespacedDeployment({ namespace: ns, name: 'dry' }))).code, 404);
});
