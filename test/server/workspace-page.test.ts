// What the console's workspace page reads, and the rules around creating and acting on a
// workspace: a region must exist in the fleet; people's actions land in the audit log with
// who and why; the workspace's Kubernetes events come from the cluster; decisions are found
// by a workspace's name as well as by its id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { startTestCluster } from '../controllers/cluster.ts';
import { buildRuntime } from '../../controllers/index.ts';

const cluster = await startTestCluster();
const t = await buildTestApp({ cluster: { mode: 'simulated', server: cluster.url } });
const admin = await t.token('admin');
const tenant = await t.tenant('Acme');
const create = (name: string, region: string) => t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/workspaces`, headers: bearer(admin), payload: { name, region } });

test('a workspace in a region the fleet has no nodes in is refused with a 400 naming the known regions, and nothing is stored', async () => {
  const res = await create('on-mars', 'mars-1');
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /region mars-1 has no nodes in the fleet: use one of eu-west-1, us-east-1/);
  const { rows } = await t.db.query(`SELECT 1 FROM workspaces WHERE name = 'on-mars'`);
  assert.equal(rows.length, 0);
  assert.equal((await create('on-earth', 'eu-west-1')).statusCode, 201);
});

test('creating and archiving a workspace, and pausing a controller, are recorded in the audit log with who did it and why', async () => {
  const ws = (await create('audited', 'us-east-1')).json();
  const archive = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}/workspaces/${ws.id}?reason=no%20longer%20needed`, headers: bearer(admin) });
  assert.equal(archive.statusCode, 200, archive.body);
  const log = await t.app.inject({ url: `/api/v1/controller-actions?target=${ws.id}`, headers: bearer(admin) });
  const items = log.json().items as { controller: string; decision: string; reason: string; holder: string; tenantId: string; inputs: { actor: string } }[];
  assert.deepEqual(items.map((a) => [a.controller, a.decision, a.reason]), [
    ['person', 'archive workspace audited', 'no longer needed'],
    ['person', 'create workspace audited in us-east-1', 'no reason given'],
  ]);
  assert.ok(items.every((a) => a.tenantId === tenant.id && /^token:/.test(a.inputs.actor) && a.holder.length > 0));
  const paused = await t.app.inject({ method: 'POST', url: '/api/v1/controllers/idle-reaper/pause', headers: bearer(admin), payload: { reason: 'incident 42: reaper pausing busy workspaces' } });
  assert.equal(paused.statusCode, 200, paused.body);
  const ctl = (await t.app.inject({ url: '/api/v1/controller-actions?target=idle-reaper&controller=person', headers: bearer(admin) })).json().items;
  assert.deepEqual(ctl.map((a: { decision: string; reason: string }) => [a.decision, a.reason]), [['pause controller idle-reaper', 'incident 42: reaper pausing busy workspaces']]);
});

test('decisions are found by the workspace\'s name as well as its id', async () => {
  const byName = await t.app.inject({ url: '/api/v1/controller-actions?target=audited', headers: bearer(admin) });
  assert.equal(byName.statusCode, 200);
  assert.equal(byName.json().items.length, 2);
});

test('a workspace\'s Kubernetes events are read from the cluster: scheduled, image pulled', async () => {
  const runtime = buildRuntime({ db: t.db, kube: cluster.kube(), holder: 'page-test', leaseTtlMs: 5_000, schedules: { 'workspace-lifecycle': '* * * * * *' } });
  await runtime.start();
  test.after(() => runtime.stop());
  const ws = (await create('evented', 'eu-west-1')).json();
  const url = `/api/v1/tenants/${tenant.id}/workspaces/${ws.id}/events`;
  const deadline = Date.now() + 20_000;
  let reasons: string[] = [];
  while (Date.now() < deadline) {
    const res = await t.app.inject({ url, headers: bearer(admin) });
    assert.equal(res.statusCode, 200, res.body);
    reasons = res.json().items.map((e: { reason: string }) => e.reason);
    if (reasons.includes('Scheduled') && reasons.includes('Pulled')) break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.ok(reasons.includes('Scheduled'), `events seen: ${reasons.join(', ')}`);
  const other = await t.tenant();
  const walled = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/workspaces/${ws.id}/events`, headers: bearer(await t.token('owner', other.id)) });
  assert.equal(walled.statusCode, 404);
});

test('without a cluster the events answer says so, with no 5xx', async () => {
  const bare = await buildTestApp();
  const tok = await bare.token('admin');
  const tn = await bare.tenant();
  const ws = (await bare.app.inject({ method: 'POST', url: `/api/v1/tenants/${tn.id}/workspaces`, headers: bearer(tok), payload: { name: 'x', region: 'anywhere' } })).json();
  const res = await bare.app.inject({ url: `/api/v1/tenants/${tn.id}/workspaces/${ws.id}/events`, headers: bearer(tok) });
  assert.equal(res.statusCode, 200);
  assert.match(res.json().unavailable, /No Kubernetes cluster is configured/);
});
