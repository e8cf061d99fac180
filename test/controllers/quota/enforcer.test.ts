// Quota enforcement on metered usage, read from the metering tables that the real ingestion
// API writes: warnings once per threshold, pauses past the hard limit, refusals at admission.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { postBatch, usageEvent, collector, postCancellation } from '../../collectors/usage/fixtures.ts';
import { ControllerRuntime } from '../../../controllers/runtime/runtime.ts';
import { PgElector } from '../../../controllers/runtime/elector.ts';
import { createQuotaController } from '../../../controllers/quota/enforcer.ts';
import { transitionWorkspace } from '../../../tenancy/workspaces.ts';

const t = await buildTestApp();
const admin = await t.token('admin');
const runtime = new ControllerRuntime({ db: t.db, elector: new PgElector(t.db, 'quota-test', 'q', 10_000), controllers: [createQuotaController()] });
await runtime.tick();
test.after(() => runtime.stop());

async function setup(resourceQuota: Record<string, unknown>) {
  const tenant = await t.tenant();
  await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota } });
  const member = await t.token('member', tenant.id);
  const ingest = await collector(t, tenant.id);
  const base = `/api/v1/tenants/${tenant.id}/workspaces`;
  const ws = (await t.app.inject({ method: 'POST', url: base, headers: bearer(member), payload: { name: 'w', region: 'eu-west-1' } })).json();
  await transitionWorkspace(t.db, tenant.id, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, tenant.id, ws.id, { to: 'running' });
  return { tenant, member, ingest, base, ws };
}

const warnings = async (tenantId: string) =>
  (await t.db.query(`SELECT resource, threshold FROM quota_warnings WHERE tenant_id = $1 ORDER BY threshold`, [tenantId])).rows.map((r) => `${r.resource} ${r.threshold}`);

test('tokens past 80 % of the hard limit warn once, however many runs see it', async () => {
  const s = await setup({ hard: { 'llm.tokens': 1000 } });
  assert.equal((await postBatch(t.app, s.ingest, [usageEvent({}, { quantity: 850 })])).statusCode, 200);
  await runtime.runOnce('quota-enforcer');
  await runtime.runOnce('quota-enforcer');
  assert.deepEqual(await warnings(s.tenant.id), ['llm.tokens hard:80']);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM controller_actions WHERE target = $1 AND decision LIKE 'warn %'`, [s.tenant.id]);
  assert.equal(rows[0].n, 1);
});

test('past the hard token limit the running workspace is paused, and starting another is refused in Kubernetes\' words', async () => {
  const s = await setup({ hard: { 'llm.tokens': 1000 } });
  await postBatch(t.app, s.ingest, [usageEvent({}, { quantity: 700 }), usageEvent({}, { quantity: 500 })]);
  await runtime.runOnce('quota-enforcer');
  const ws = (await t.app.inject({ url: `${s.base}/${s.ws.id}`, headers: bearer(s.member) })).json();
  assert.equal(ws.state, 'paused');
  assert.match(ws.history.at(-1).reason, /quota exceeded: llm\.tokens 1200 > hard 1000/);
  assert.deepEqual(await warnings(s.tenant.id), ['llm.tokens hard:100', 'llm.tokens hard:80']);
  const refused = await t.app.inject({ method: 'POST', url: `${s.base}/${s.ws.id}/resume`, headers: bearer(s.member) });
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.json().message, 'exceeded quota: workspace-quota, requested: llm.tokens=0, used: llm.tokens=1200, limited: llm.tokens=1000');
});

test('a cancelled event no longer counts against the quota', async () => {
  const s = await setup({ hard: { 'llm.tokens': 1000 } });
  const big = usageEvent({}, { quantity: 1500 });
  await postBatch(t.app, s.ingest, [big]);
  const cancel = await postCancellation(t.app, s.ingest, { source: big.source, id: big.id });
  assert.equal(cancel.statusCode, 200, cancel.body);
  await runtime.runOnce('quota-enforcer');
  const ws = (await t.app.inject({ url: `${s.base}/${s.ws.id}`, headers: bearer(s.member) })).json();
  assert.equal(ws.state, 'running');
});

test('a soft limit only warns', async () => {
  const s = await setup({ soft: { 'api.calls': 10 }, period: { 'api.calls': 'day' } });
  await postBatch(t.app, s.ingest, [usageEvent({ type: 'api.calls' }, { quantity: 12, route: '/x' })]);
  await runtime.runOnce('quota-enforcer');
  assert.deepEqual(await warnings(s.tenant.id), ['api.calls soft:100', 'api.calls soft:80']);
  const ws = (await t.app.inject({ url: `${s.base}/${s.ws.id}`, headers: bearer(s.member) })).json();
  assert.equal(ws.state, 'running');
});
