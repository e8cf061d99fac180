// RBAC in the sandbox API server, through the real client: tokens authenticate, bindings
// grant, everything else is 403 in kube-apiserver's words. Independent of deploy/: the
// roles here are written for the test.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, startSandboxApi } from '../../sandbox/k8s/index.ts';

const api = await startSandboxApi({ authorization: 'rbac' });
after(() => api.close());
const client = <T extends k8s.ApiType>(Api: new (c: k8s.Configuration) => T, token?: string): T => {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: api.url, skipTLSVerify: true }],
    users: [{ name: 'u', ...(token ? { token } : {}) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c',
  });
  return kc.makeApiClient(Api);
};

applyObjects(api.server, [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ci-reads-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'team' }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'deployer', namespace: 'team' }, rules: [
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'get'] },
    { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update'], resourceNames: ['web'] },
  ] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'ci-deploys', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] },
]);
const ci = api.server.auth.serviceAccountToken('team', 'ci');
const status = (err: unknown) => JSON.parse((err as k8s.ApiException<string>).body);

const deployment = (name: string): k8s.V1Deployment => ({
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
});

test('a ClusterRoleBinding grants its verbs in every namespace, and nothing more', async () => {
  const core = client(k8s.CoreV1Api, ci);
  assert.ok(Array.isArray((await core.listPodForAllNamespaces()).items));
  assert.ok(Array.isArray((await core.listNamespacedPod({ namespace: 'default' })).items));
  await assert.rejects(core.deleteNamespacedPod({ namespace: 'team', name: 'p' }), (err) => {
    assert.equal((err as k8s.ApiException<string>).code, 403);
    assert.deepEqual(status(err), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'pods "p" is forbidden: User "system:serviceaccount:team:ci" cannot delete resource "pods" in API group "" in the namespace "team"',
      details: { name: 'p', kind: 'pods' },
    });
    return true;
  });
});

test('a RoleBinding grants only in its namespace; elsewhere the 403 names the group and the scope', async () => {
  const apps = client(k8s.AppsV1Api, ci);
  await apps.createNamespacedDeployment({ namespace: 'team', body: deployment('web') });
  await assert.rejects(apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') }), (err) =>
    status(err).message === 'deployments.apps is forbidden: User "system:serviceaccount:team:ci" cannot create resource "deployments" in API group "apps" in the namespace "default"');
  await assert.rejects(apps.listDeploymentForAllNamespaces(), (err) =>
    status(err).message === 'deployments.apps is forbidden: User "system:serviceaccount:team:ci" cannot list resource "deployments" in API group "apps" at the cluster scope');
});

test('a subresource is its own resource, and resourceNames limit a rule to those objects', async () => {
  const apps = client(k8s.AppsV1Api, ci);
  await apps.createNamespacedDeployment({ namespace: 'team', body: deployment('api') });
  await apps.replaceNamespacedDeploymentScale({ namespace: 'team', name: 'web', body: { metadata: { name: 'web', namespace: 'team' }, spec: { replicas: 2 } } });
  await assert.rejects(apps.replaceNamespacedDeploymentScale({ namespace: 'team', name: 'api', body: { metadata: { name: 'api', namespace: 'team' }, spec: { replicas: 2 } } }), (err) =>
    status(err).message === 'deployments.apps "api" is forbidden: User "system:serviceaccount:team:ci" cannot update resource "deployments/scale" in API group "apps" in the namespace "team"');
  await assert.rejects(apps.replaceNamespacedDeployment({ namespace: 'team', name: 'web', body: deployment('web') }), (err) => status(err).code === 403, 'update on the object itself was never granted');
});

test('no token is system:anonymous (403); a token nobody issued is 401 Unauthorized', async () => {
  await assert.rejects(client(k8s.CoreV1Api).listNamespace(), (err) =>
    status(err).message === 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
  await assert.rejects(client(k8s.CoreV1Api, 'made-up').listNamespace(), (err) => (err as k8s.ApiException<string>).code === 401);
  // The client drops 401 bodies; the server sends kube-apiserver's.
  const res = await fetch(`${api.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer made-up' } });
  assert.deepEqual(await res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
});

test('a namespace is authorized in itself, and a system:masters token may do anything', async () => {
  await assert.rejects(client(k8s.CoreV1Api, ci).readNamespace({ name: 'team' }), (err) =>
    status(err).message === 'namespaces "team" is forbidden: User "system:serviceaccount:team:ci" cannot get resource "namespaces" in API group "" in the namespace "team"');
  const admin = client(k8s.CoreV1Api, api.server.auth.adminToken());
  assert.equal((await admin.readNamespace({ name: 'team' })).metadata?.name, 'team');
});

test('a binding added later takes effect on the next request; discovery needs only authentication', async () => {
  const core = client(k8s.CoreV1Api, ci);
  await assert.rejects(core.listNamespace(), (err) => status(err).code === 403);
  applyObjects(api.server, [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ns-lister' }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ci-lists-ns' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ns-lister' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:team' }] },
  ]);
  assert.ok((await core.listNamespace()).items.some((n) => n.metadata?.name === 'team'));
  const res = await fetch(`${api.url}/apis`, { headers: { authorization: `Bearer ${ci}` } });
  assert.equal(res.status, 200);
});
