// Workspace pause, resume and quota admission through the API (the lifecycle controller's
// side is tested against the sandbox cluster in test/controllers/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { transitionWorkspace } from '../../tenancy/workspaces.ts';

const t = await buildTestApp();
const admin = await t.token('admin');

async function tenantWithQuota(resourceQuota: Record<string, unknown>) {
  const tenant = await t.tenant();
  const res = await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota } });
  assert.equal(res.statusCode, 200, res.body);
  return { tenant, token: await t.token('member', tenant.id), base: `/api/v1/tenants/${tenant.id}/workspaces` };
}

const create = (base: string, token: string, name: string, resourceFactor = 1) =>
  t.app.inject({ method: 'POST', url: base, headers: bearer(token), payload: { name, region: 'eu-west-1', resourceFactor } });

async function running(tenantId: string, id: string) {
  await transitionWorkspace(t.db, tenantId, id, { to: 'starting' });
  return transitionWorkspace(t.db, tenantId, id, { to: 'running' });
}

test('pause stops a running workspace and resume starts it again, each stamped in its history', async () => {
  const { tenant, token, base } = await tenantWithQuota({});
  const ws = (await create(base, token, 'pr')).json();
  await running(tenant.id, ws.id);
  const paused = await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/pause`, headers: bearer(token) });
  assert.equal(paused.statusCode, 200, paused.body);
  assert.equal(paused.json().state, 'paused');
  const resumed = await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/resume`, headers: bearer(token), payload: {} });
  assert.equal(resumed.json().state, 'starting');
  const detail = (await t.app.inject({ url: `${base}/${ws.id}`, headers: bearer(token) })).json();
  assert.deepEqual(detail.history.map((h: { to: string }) => h.to), ['pending', 'starting', 'running', 'paused', 'starting']);
  assert.match(detail.history[3].actor, /^token:/);
});

test('pausing twice and resuming twice change nothing the second time', async () => {
  const { tenant, token, base } = await tenantWithQuota({});
  const ws = (await create(base, token, 'twice')).json();
  await running(tenant.id, ws.id);
  await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/pause`, headers: bearer(token) });
  const again = (await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/pause`, headers: bearer(token) })).json();
  await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/resume`, headers: bearer(token) });
  const resumedAgain = (await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/resume`, headers: bearer(token) })).json();
  assert.equal(again.state, 'paused');
  assert.equal(resumedAgain.state, 'starting');
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM workspace_transitions WHERE workspace_id = $1`, [ws.id]);
  assert.equal(rows[0].n, 5);
});

test('an archived workspace cannot be resumed, and says what to do instead', async () => {
  const { token, base } = await tenantWithQuota({});
  const ws = (await create(base, token, 'gone')).json();
  await t.app.inject({ method: 'DELETE', url: `${base}/${ws.id}`, headers: bearer(token) });
  const res = await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/resume`, headers: bearer(token) });
  assert.equal(res.statusCode, 409);
  assert.match(res.json().message, /archived and cannot be resumed; create a new workspace/);
});

test('creating past the running-workspace quota is a 429 in Kubernetes\' words, and stores nothing', async () => {
  const { tenant, token, base } = await tenantWithQuota({ hard: { 'count/workspaces': 2 } });
  assert.equal((await create(base, token, 'a')).statusCode, 201);
  assert.equal((await create(base, token, 'b')).statusCode, 201, 'reaching the quota exactly is allowed');
  const refused = await create(base, token, 'c');
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.json().message, 'exceeded quota: workspace-quota, requested: count/workspaces=1, used: count/workspaces=2, limited: count/workspaces=2');
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1`, [tenant.id]);
  assert.equal(rows[0].n, 2);
});

test('a paused workspace frees its CPU for another, and resuming it past the quota is refused', async () => {
  const { tenant, token, base } = await tenantWithQuota({ hard: { 'requests.cpu': '1' } });
  const a = (await create(base, token, 'a', 2)).json();
  await running(tenant.id, a.id);
  assert.equal((await create(base, token, 'b', 1)).statusCode, 429);
  await t.app.inject({ method: 'POST', url: `${base}/${a.id}/pause`, headers: bearer(token) });
  assert.equal((await create(base, token, 'b', 1)).statusCode, 201);
  const res = await t.app.inject({ method: 'POST', url: `${base}/${a.id}/resume`, headers: bearer(token) });
  assert.equal(res.statusCode, 429);
  assert.equal(res.json().message, 'exceeded quota: workspace-quota, requested: requests.cpu=1, used: requests.cpu=500m, limited: requests.cpu=1');
});

test('parallel creates never overshoot the quota: exactly the allowed number succeed', async () => {
  const { tenant, token, base } = await tenantWithQuota({ hard: { 'count/workspaces': 3 } });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => create(base, token, `p${i}`)));
  const codes = results.map((r) => r.statusCode).sort();
  assert.deepEqual(codes, [...Array(3).fill(201), ...Array(9).fill(429)]);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1`, [tenant.id]);
  assert.equal(rows[0].n, 3);
});

test('parallel resumes never overshoot the quota either', async () => {
  const { tenant, token, base } = await tenantWithQuota({});
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const ws = (await create(base, token, `r${i}`)).json();
    await running(tenant.id, ws.id);
    await t.app.inject({ method: 'POST', url: `${base}/${ws.id}/pause`, headers: bearer(token) });
    ids.push(ws.id);
  }
  await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'count/workspaces': 2 } } } });
  const results = await Promise.all(ids.map((id) => t.app.inject({ method: 'POST', url: `${base}/${id}/resume`, headers: bearer(token) })));
  assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 200, 429, 429, 429, 429]);
});

test('a quota with a soft limit above the hard one is refused with the reason', async () => {
  const tenant = await t.tenant();
  const res = await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'llm.tokens': 100 }, soft: { 'llm.tokens': 200 } } } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /soft\.llm\.tokens \(200\) is above hard\.llm\.tokens \(100\)/);
  const bad = await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota: { hard: { 'requests.cpu': 'lots' } } } });
  assert.equal(bad.statusCode, 400);
});

test('the quota status shows use, what is left and the period of each meter', async () => {
  const { tenant, token, base } = await tenantWithQuota({ hard: { 'count/workspaces': 5, 'llm.tokens': 1000 }, period: { 'llm.tokens': 'day' } });
  await create(base, token, 'q1', 2);
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(token) });
  assert.equal(res.statusCode, 200);
  const byName = Object.fromEntries(res.json().resources.map((r: { resource: string }) => [r.resource, r]));
  assert.equal(byName['count/workspaces'].remaining.value, 4);
  assert.equal(byName['requests.cpu'].used.text, '1');
  assert.equal(byName['llm.tokens'].used.value, 0);
  assert.equal(byName['llm.tokens'].period, 'day');
});

test('another tenant\'s workspace cannot be paused: 404', async () => {
  const a = await tenantWithQuota({});
  const b = await tenantWithQuota({});
  const ws = (await create(b.base, b.token, 'theirs')).json();
  const res = await t.app.inject({ method: 'POST', url: `${a.base}/${ws.id}/pause`, headers: bearer(a.token) });
  assert.equal(res.statusCode, 404);
});
