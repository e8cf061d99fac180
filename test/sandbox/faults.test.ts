// Fault injection: the sandbox API server fails on purpose so clients' retries can be tested.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { clearFaults, injectFault, startSandboxApi, type RunningApiServer } from '../../sandbox/k8s/index.ts';

let api: RunningApiServer;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

before(async () => {
  api = await startSandboxApi();
  core = api.kubeConfig().makeApiClient(k8s.CoreV1Api);
  apps = api.kubeConfig().makeApiClient(k8s.AppsV1Api);
});
after(() => api.close());

/**
 * Client options that abort a request after `ms`, as a controller's timeout would. Per-call
 * middleware must answer the client's own Observable shape (`{ toPromise() }`), as its
 * setHeaderOptions does; plain promises fail with "toPromise is not a function".
 */
const withTimeout = (ms: number): k8s.ConfigurationOptions => ({
  middleware: [{
    pre: (ctx: k8s.RequestContext) => ({ toPromise: async () => { ctx.setSignal(AbortSignal.timeout(ms)); return ctx; } }),
    post: (res: k8s.ResponseContext) => ({ toPromise: async () => res }),
  }],
  middlewareMergeStrategy: 'append',
} as unknown as k8s.ConfigurationOptions);

async function code(p: Promise<unknown>): Promise<number> {
  try { await p; } catch (err) { if (err instanceof k8s.ApiException) return err.code; throw err; }
  return 200;
}

test('failNext(2, 500) answers the next two matching requests with a 500 Status, then the server answers normally', async () => {
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f1' } } });
  const rule = api.server.faults.failNext(2, 500, { resource: 'configmaps', method: 'GET' });
  assert.equal(await code(core.readNamespacedConfigMap({ namespace: 'default', name: 'f1' })), 500);
  assert.equal(await code(core.readNamespacedConfigMap({ namespace: 'default', name: 'f1' })), 500);
  assert.equal(await code(core.readNamespacedConfigMap({ namespace: 'default', name: 'f1' })), 200);
  assert.equal(rule.hits, 2);
});

test('an injected 500 is a Kubernetes Status body the client parses', async () => {
  api.server.faults.failNext(1, 503);
  try {
    await core.listNamespace();
    assert.fail('expected a 503');
  } catch (err) {
    assert.ok(err instanceof k8s.ApiException);
    const status = JSON.parse(err.body as string);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'ServiceUnavailable');
    assert.equal(status.code, 503);
  }
});

test('faults match only their requests: a rule on deployments leaves configmaps alone', async () => {
  api.server.faults.failNext(1, 500, { resource: 'deployments' });
  assert.equal(await code(core.listNamespacedConfigMap({ namespace: 'default' })), 200);
  assert.equal(await code(apps.listNamespacedDeployment({ namespace: 'default' })), 500);
});

test('an injected 409 on an update fails it without applying it', async () => {
  const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f2' }, data: { v: '1' } } });
  api.server.faults.failNext(1, 409, { method: 'PUT', name: 'f2' });
  assert.equal(await code(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'f2', body: { ...cm, data: { v: '2' } } })), 409);
  assert.equal((await core.readNamespacedConfigMap({ namespace: 'default', name: 'f2' })).data!.v, '1');
});

test('a timeout fault holds the request until the client gives up, and the write is not applied', async () => {
  api.server.faults.timeoutNext(1, { method: 'POST', resource: 'configmaps' });
  await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f3' } } }, withTimeout(200)), /aborted|timeout/i);
  assert.equal(await code(core.readNamespacedConfigMap({ namespace: 'default', name: 'f3' })), 404);
});

test('a timeout after the write applies it and loses the answer: a retry then sees AlreadyExists', async () => {
  api.server.faults.timeoutNext(1, { method: 'POST', resource: 'configmaps' }, undefined, true);
  await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f4' } } }, withTimeout(200)), /aborted|timeout/i);
  assert.equal(await code(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f4' } } })), 409);
});

test('a 500 after the write applies it: the object exists though the client saw an error', async () => {
  api.server.faults.failNext(1, 500, { method: 'POST', resource: 'configmaps' }, true);
  assert.equal(await code(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f5' } } })), 500);
  assert.equal(await code(core.readNamespacedConfigMap({ namespace: 'default', name: 'f5' })), 200);
});

test('a 429 fault carries Retry-After', async () => {
  api.server.faults.failNext(1, 429);
  const res = await fetch(`${api.url}/api/v1/namespaces`);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '1');
});

test('a reset fault drops the connection without an answer', async () => {
  api.server.faults.inject({ action: { kind: 'reset' }, match: { resource: 'namespaces' } });
  await assert.rejects(core.listNamespace(), (err: Error) => !(err instanceof k8s.ApiException) || err.code === 500);
  assert.equal(await code(core.listNamespace()), 200);
});

test('another process injects and clears faults over HTTP with the typed helper', async () => {
  await injectFault(api.url, { match: { path: /\/configmaps/ }, action: { kind: 'status', code: 500 }, times: Infinity });
  assert.equal(await code(core.listNamespacedConfigMap({ namespace: 'default' })), 500);
  assert.equal(await code(core.listNamespacedConfigMap({ namespace: 'default' })), 500);
  await clearFaults(api.url);
  assert.equal(await code(core.listNamespacedConfigMap({ namespace: 'default' })), 200);
});
