// The workspace lifecycle end to end: the API, the controllers on their schedules with a
// PostgreSQL lease, the real Kubernetes client and the sandbox API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { buildRuntime } from '../../../controllers/index.ts';
import { listObjects, readObject } from '../../../kube/objects.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const t = await buildTestApp();
const cluster = await startTestCluster();
const kube = cluster.kube();
const EVERY_SECOND = '* * * * * *';
const runtime = buildRuntime({
  db: t.db, kube: cluster.kube(), holder: 'lifecycle-test', leaseTtlMs: 5_000,
  schedules: { 'workspace-lifecycle': EVERY_SECOND, 'idle-reaper': EVERY_SECOND, 'quota-enforcer': EVERY_SECOND },
});
await runtime.start();
test.after(() => runtime.stop());

const tenant = await t.tenant();
const token = await t.token('member', tenant.id);
const ns = `tenant-${tenant.id}`;
const base = `/api/v1/tenants/${tenant.id}/workspaces`;
const state = async (id: string) => (await t.app.inject({ url: `${base}/${id}`, headers: bearer(token) })).json();
const untilState = (id: string, want: string) => waitFor(`workspace ${id} ${want}`, async () => ((await state(id)).state === want ? state(id) : null));

async function applied(target: string) {
  const { rows } = await t.db.query(`SELECT controller, decision, status FROM controller_actions WHERE target = $1 ORDER BY id`, [target]);
  return rows;
}

test('create → running → idle pause → resume → delete, each step once, on the cluster and in the audit log', async () => {
  const created = await t.app.inject({ method: 'POST', url: base, headers: bearer(token), payload: { name: 'e2e', region: 'eu-west-1', resourceFactor: 2, repository: 'github.com/acme/api' } });
  assert.equal(created.statusCode, 201);
  const id = created.json().id;
  const name = `ws-${id}`;

  const running = await untilState(id, 'running');
  assert.ok(running.startupSeconds > 0, 'startup latency is measured from the transitions');
  const deploy = await readObject(kube, 'Deployment', ns, name);
  assert.equal(deploy?.spec.replicas, 1);
  assert.equal(deploy?.spec.template.spec.containers[0].resources.requests.cpu, '1');
  for (const kind of ['Service', 'PersistentVolumeClaim', 'PodDisruptionBudget'] as const) assert.ok(await readObject(kube, kind, ns, name), `${kind} exists`);
  const pods = await listObjects(kube, 'Pod', `pilothouse.io/workspace=${id}`);
  assert.equal(pods.length, 1, 'the cluster runs one sandbox pod');
  assert.ok(pods[0]!.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
  assert.equal(pods[0]!.spec.containers[0].securityContext.runAsUser, 1000);

  // Thirty-one minutes without activity pass.
  await t.db.query(`UPDATE workspaces SET running_at = now() - interval '40 minutes', last_activity_at = now() - interval '31 minutes' WHERE id = $1`, [id]);
  await untilState(id, 'paused');
  await waitFor('scaled to zero', async () => (await readObject(kube, 'Deployment', ns, name))?.spec.replicas === 0);
  await waitFor('its pod gone', async () => (await listObjects(kube, 'Pod', `pilothouse.io/workspace=${id}`)).length === 0);
  assert.ok(await readObject(kube, 'PersistentVolumeClaim', ns, name), 'the volume stays while paused');

  const resumed = await t.app.inject({ method: 'POST', url: `${base}/${id}/resume`, headers: bearer(token) });
  assert.equal(resumed.json().state, 'starting');
  await untilState(id, 'running');
  assert.equal((await readObject(kube, 'Deployment', ns, name))?.spec.replicas, 1);

  await t.app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: bearer(token) });
  await waitFor('objects deleted', async () => {
    for (const kind of ['Deployment', 'Service', 'PersistentVolumeClaim', 'PodDisruptionBudget'] as const) if (await readObject(kube, kind, ns, name)) return false;
    return true;
  });

  const steps = (await applied(id)).map((a) => `${a.controller}: ${a.decision.replace(`${ns}/${name}`, '…')} [${a.status}]`);
  // People's actions sit in the same audit log as the controllers' decisions.
  assert.deepEqual(steps, [
    'person: create workspace e2e in eu-west-1 [applied]',
    'workspace-lifecycle: create PersistentVolumeClaim … [applied]',
    'workspace-lifecycle: create Service … [applied]',
    'workspace-lifecycle: create PodDisruptionBudget … [applied]',
    'workspace-lifecycle: create Deployment … [applied]',
    'workspace-lifecycle: pending → starting [applied]',
    'workspace-lifecycle: starting → running [applied]',
    'idle-reaper: pause: idle [applied]',
    'workspace-lifecycle: scale Deployment … 1→0 [applied]',
    'person: resume workspace e2e [applied]',
    'workspace-lifecycle: scale Deployment … 0→1 [applied]',
    'workspace-lifecycle: starting → running [applied]',
    'person: archive workspace e2e [applied]',
    'workspace-lifecycle: delete Deployment … [applied]',
    'workspace-lifecycle: delete PodDisruptionBudget … [applied]',
    'workspace-lifecycle: delete Service … [applied]',
    'workspace-lifecycle: delete PersistentVolumeClaim … [applied]',
  ]);
  assert.equal(cluster.writes(`/deployments`).filter((w) => w.method === 'POST' && w.path.startsWith(`/apis/apps/v1/namespaces/${ns}/`)).length, 1, 'one Deployment was created');
});

test('the tenant namespace carries a ResourceQuota that follows the tenant\'s quota', async () => {
  const admin = await t.token('admin');
  const q = await t.tenant();
  await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${q.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'count/workspaces': 4, 'requests.cpu': '2' } } } });
  const tok = await t.token('member', q.id);
  await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${q.id}/workspaces`, headers: bearer(tok), payload: { name: 'rq', region: 'eu-west-1' } });
  const rqNs = `tenant-${q.id}`;
  const first = await waitFor('ResourceQuota created', () => readObject(kube, 'ResourceQuota', rqNs, 'workspace-quota'));
  assert.deepEqual(first.spec.hard, { pods: '4', 'requests.cpu': '2' });
  await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${q.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'count/workspaces': 6 } } } });
  const updated = await waitFor('ResourceQuota updated', async () => {
    const rq = await readObject(kube, 'ResourceQuota', rqNs, 'workspace-quota');
    return rq?.spec.hard.pods === '6' ? rq : null;
  });
  assert.deepEqual(updated.spec.hard, { pods: '6' });
});

test('past a hard limit the enforcer pauses the newest running workspaces and says so', async () => {
  const admin = await t.token('admin');
  const q = await t.tenant();
  const tok = await t.token('member', q.id);
  const ids: string[] = [];
  for (const n of ['old', 'mid', 'new']) {
    ids.push((await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${q.id}/workspaces`, headers: bearer(tok), payload: { name: n, region: 'eu-west-1' } })).json().id);
    await untilStateOf(q.id, tok, ids.at(-1)!, 'running');
  }
  await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${q.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'count/workspaces': 1 } } } });
  await untilStateOf(q.id, tok, ids[2]!, 'paused');
  await untilStateOf(q.id, tok, ids[1]!, 'paused');
  const { rows } = await t.db.query(`SELECT state FROM workspaces WHERE id = $1`, [ids[0]]);
  assert.equal(rows[0].state, 'running', 'the oldest keeps running');
  const pause = (await applied(ids[2]!)).find((a) => a.controller === 'quota-enforcer');
  assert.equal(pause?.decision, 'pause: quota exceeded');
  const { rows: why } = await t.db.query(`SELECT reason FROM controller_actions WHERE target = $1 AND controller = 'quota-enforcer'`, [ids[2]]);
  assert.match(why[0].reason, /count\/workspaces 3 > hard 1.*newest running workspace left \(1 of 3/);
  const { rows: warned } = await t.db.query(`SELECT threshold FROM quota_warnings WHERE tenant_id = $1 ORDER BY threshold`, [q.id]);
  assert.deepEqual(warned.map((w) => w.threshold), ['hard:100', 'hard:80']);
});

async function untilStateOf(tenantId: string, tok: string, id: string, want: string) {
  return waitFor(`workspace ${id} ${want}`, async () => {
    const ws = (await t.app.inject({ url: `/api/v1/tenants/${tenantId}/workspaces/${id}`, headers: bearer(tok) })).json();
    return ws.state === want ? ws : null;
  });
}
