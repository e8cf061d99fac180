// A flaky API server under the lifecycle controller: lost answers, conflicts, outages.
// Whatever happens, each change lands once (no duplicate) and eventually (none lost).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { buildRuntime } from '../../../controllers/index.ts';
import { readObject } from '../../../kube/objects.ts';
import { resourceByKey } from '../../../sandbox/k8s/index.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const t = await buildTestApp();
const cluster = await startTestCluster();
const kube = cluster.kube();
const EVERY_SECOND = '* * * * * *';
const runtime = buildRuntime({
  db: t.db, kube: cluster.kube({ timeoutMs: 400, retries: 3 }), holder: 'faults-test', leaseTtlMs: 5_000,
  schedules: { 'workspace-lifecycle': EVERY_SECOND, 'idle-reaper': '0 0 0 1 1 *', 'quota-enforcer': '0 0 0 1 1 *', 'headroom-autoscaler': '0 0 0 1 1 *' },
});
await runtime.start();
test.after(() => runtime.stop());

const tenant = await t.tenant();
const token = await t.token('member', tenant.id);
const ns = `tenant-${tenant.id}`;
const base = `/api/v1/tenants/${tenant.id}/workspaces`;
const faults = cluster.api.server.faults;
let n = 0;

const untilState = (id: string, want: string) => waitFor(`workspace ${id} ${want}`, async () => {
  const ws = (await t.app.inject({ url: `${base}/${id}`, headers: bearer(token) })).json();
  return ws.state === want ? ws : null;
});
const untilReplicas = (id: string, want: number) => waitFor(`ws-${id} at ${want} replicas`, async () => (await readObject(kube, 'Deployment', ns, `ws-${id}`))?.spec.replicas === want);

async function runningWorkspace(): Promise<string> {
  const id = (await t.app.inject({ method: 'POST', url: base, headers: bearer(token), payload: { name: `f${++n}`, region: 'eu-west-1' } })).json().id;
  await untilState(id, 'running');
  return id;
}

async function actions(id: string, decision: RegExp) {
  const { rows } = await t.db.query(`SELECT decision, status, error FROM controller_actions WHERE target = $1 ORDER BY id`, [id]);
  return rows.filter((r) => decision.test(r.decision));
}

/** Writes to one deployment that the API server carried out (answered 200/201, even if the answer was lost on the way). */
const landedPuts = (id: string) => cluster.requests.filter((r) => r.method === 'PUT' && r.path.includes(`/deployments/ws-${id}`) && r.status === 200);

test('a scale whose answer is lost is not done twice: the retry conflicts, reads afresh and finds it done', async () => {
  const id = await runningWorkspace();
  const before = (await readObject(kube, 'Deployment', ns, `ws-${id}`))!.metadata!.generation!;
  faults.timeoutNext(1, { method: 'PUT', resource: 'deployments', name: `ws-${id}` }, 5_000, true);
  await t.app.inject({ method: 'POST', url: `${base}/${id}/pause`, headers: bearer(token) });
  await untilReplicas(id, 0);
  await waitFor('the scale recorded', async () => (await actions(id, /^scale .* 1→0$/)).some((a) => a.status === 'applied'));
  assert.equal((await readObject(kube, 'Deployment', ns, `ws-${id}`))!.metadata!.generation, before + 1, 'the spec changed once');
  const puts = cluster.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/deployments/ws-${id}`));
  assert.deepEqual(puts.map((p) => p.status), [0, 409], 'the write whose answer was lost, then the retry refused as stale');
  assert.deepEqual((await actions(id, /^scale .* 1→0$/)).map((a) => a.status), ['applied']);
});

test('a conflict on the scale is answered with a fresh read, and the scale lands once', async () => {
  const id = await runningWorkspace();
  await t.app.inject({ method: 'POST', url: `${base}/${id}/pause`, headers: bearer(token) });
  await untilReplicas(id, 0);
  faults.failNext(1, 409, { method: 'PUT', resource: 'deployments', name: `ws-${id}` });
  await t.app.inject({ method: 'POST', url: `${base}/${id}/resume`, headers: bearer(token) });
  await untilState(id, 'running');
  const puts = cluster.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/deployments/ws-${id}`));
  assert.deepEqual(puts.map((p) => p.status), [200, 409, 200], 'pause, then the conflict, then the fresh write');
  assert.deepEqual((await actions(id, /^scale .* 0→1$/)).map((a) => a.status), ['applied']);
});

test('an outage longer than the retries fails the action, records why, and a later run completes it once', async () => {
  const id = await runningWorkspace();
  const rule = faults.failNext(8, 503, { method: 'PUT', resource: 'deployments', name: `ws-${id}` });
  await t.app.inject({ method: 'POST', url: `${base}/${id}/pause`, headers: bearer(token) });
  await untilReplicas(id, 0);
  assert.equal(rule.hits, 8);
  const scales = await waitFor('the scale recorded as applied', async () => {
    const rows = await actions(id, /^scale .* 1→0$/);
    return rows.some((a) => a.status === 'applied') ? rows : null;
  });
  assert.ok(scales.filter((a) => a.status === 'failed').length >= 1, 'the outage is in the audit log');
  assert.match(scales.find((a) => a.status === 'failed')!.error, /503|ServiceUnavailable|injected fault/i);
  assert.deepEqual(scales.filter((a) => a.status === 'applied').length, 1);
  assert.equal(landedPuts(id).length, 1);
});

test('an API server that hangs on creates still ends with one Deployment per workspace', async () => {
  const mark = cluster.requests.length;
  faults.timeoutNext(1, { method: 'POST', resource: 'deployments' }, 5_000, true);
  const id = (await t.app.inject({ method: 'POST', url: base, headers: bearer(token), payload: { name: `f${++n}`, region: 'eu-west-1' } })).json().id;
  await untilState(id, 'running');
  const posts = cluster.requests.slice(mark).filter((r) => r.method === 'POST' && r.path.startsWith(`/apis/apps/v1/namespaces/${ns}/deployments`));
  assert.deepEqual(posts.map((p) => p.status), [0, 409], 'the create whose answer was lost, then the retry told it already exists');
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM controller_actions WHERE target = $1 AND decision LIKE 'create Deployment%' AND status = 'applied'`, [id]);
  assert.equal(rows[0].n, 1);
  const list = cluster.api.server.store.list(resourceByKey('apps/deployments'), ns);
  assert.equal(list.items.filter((d) => d.metadata.labels?.['pilothouse.io/workspace'] === id).length, 1);
});
