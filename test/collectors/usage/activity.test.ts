// Usage events as signs of life: LLM and API usage naming a workspace keep the idle reaper
// away; storage, compute and corrections do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { bearer, buildTestApp } from '../../helper.ts';
import { createWorkspace, transitionWorkspace } from '../../../tenancy/workspaces.ts';
import { latestActivity } from '../../../collectors/usage/activity.ts';
import type { Meter } from '../../../collectors/usage/meters.ts';
import type { UsageEvent } from '../../../collectors/usage/validate.ts';
import { ControllerRuntime } from '../../../controllers/runtime/runtime.ts';
import { PgElector } from '../../../controllers/runtime/elector.ts';
import { createReaperController } from '../../../controllers/reaper/reaper.ts';
import { LEASE_NAME } from '../../../controllers/index.ts';
import { postBatch, sendRetrying, usageEvent, collector } from './fixtures.ts';

const t = await buildTestApp();
const tenant = await t.tenant();
const ingest = await collector(t, tenant.id);

/** A running workspace whose last activity was an hour ago: the reaper would pause it. */
async function idleWorkspace(name: string): Promise<string> {
  const ws = await createWorkspace(t.db, { tenantId: tenant.id, name, region: 'eu-west-1' });
  await transitionWorkspace(t.db, tenant.id, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, tenant.id, ws.id, { to: 'running' });
  await t.db.query(`UPDATE workspaces SET running_at = now() - interval '2 hours', last_activity_at = now() - interval '1 hour' WHERE id = $1`, [ws.id]);
  return ws.id;
}
const lastActivity = async (id: string): Promise<Date> => (await t.db.query('SELECT last_activity_at FROM workspaces WHERE id = $1', [id])).rows[0].last_activity_at;
const stateOf = async (id: string): Promise<string> => (await t.db.query('SELECT state FROM workspaces WHERE id = $1', [id])).rows[0].state;

test('tokens used in a workspace move its last activity to the time of the latest event', async () => {
  const id = await idleWorkspace('busy');
  const latest = new Date(Date.now() - 60_000);
  const res = await postBatch(t.app, ingest, [
    usageEvent({ subject: id, time: new Date(Date.now() - 5 * 60_000).toISOString() }),
    usageEvent({ subject: id, time: latest.toISOString() }),
  ]);
  assert.equal(res.json().accepted, 2, res.body);
  assert.equal((await lastActivity(id)).getTime(), latest.getTime());
});

test('the idle reaper leaves a workspace alone while its agent uses tokens, and pauses the idle one', async () => {
  const working = await idleWorkspace('working');
  const idle = await idleWorkspace('idle');
  assert.equal((await postBatch(t.app, ingest, [usageEvent({ subject: working }, { quantity: 1200 })])).json().accepted, 1);
  const runtime = new ControllerRuntime({ db: t.db, elector: new PgElector(t.db, LEASE_NAME, 'activity-test', 10_000), controllers: [createReaperController()], registry: t.app.metrics });
  await runtime.tick();
  await runtime.runOnce('idle-reaper');
  await runtime.stop();
  assert.equal(await stateOf(working), 'running');
  assert.equal(await stateOf(idle), 'paused');
});

test('storage and compute billed while a workspace sits idle are not activity', async () => {
  const id = await idleWorkspace('sitting');
  const before = await lastActivity(id);
  const res = await postBatch(t.app, ingest, [
    usageEvent({ subject: id, type: 'storage.gb_hours', data: { quantity: 10 } }),
    usageEvent({ subject: id, type: 'compute.seconds', data: { quantity: 60 } }),
  ]);
  assert.equal(res.json().accepted, 2, res.body);
  assert.deepEqual(await lastActivity(id), before);
});

test('an event older than the stored activity does not move it back', async () => {
  const id = await idleWorkspace('late');
  await postBatch(t.app, ingest, [usageEvent({ subject: id })]);
  const recent = await lastActivity(id);
  await postBatch(t.app, ingest, [usageEvent({ subject: id, time: new Date(Date.now() - 3 * 3600_000).toISOString() })]);
  assert.deepEqual(await lastActivity(id), recent);
});

test('a meter defined with marksActivity counts; one defined without does not', async () => {
  const admin = await t.token('admin');
  const define = (name: string, marksActivity?: boolean) => t.app.inject({
    method: 'POST', url: '/api/v1/meters', headers: bearer(admin),
    payload: { name, unit: 'runs', aggregation: 'sum', ...(marksActivity === undefined ? {} : { marksActivity }) },
  });
  const yes = await define('agent.test_runs', true);
  assert.equal(yes.statusCode, 201, yes.body);
  assert.equal(yes.json().marksActivity, true);
  assert.equal((await define('agent.snapshots')).json().marksActivity, false);
  const quiet = await idleWorkspace('snapshotted');
  const active = await idleWorkspace('testing');
  const before = await lastActivity(quiet);
  const res = await postBatch(t.app, ingest, [usageEvent({ subject: quiet, type: 'agent.snapshots', data: { quantity: 1 } }), usageEvent({ subject: active, type: 'agent.test_runs', data: { quantity: 3 } })]);
  assert.equal(res.json().accepted, 2, res.body);
  assert.deepEqual(await lastActivity(quiet), before);
  assert.ok(Date.now() - (await lastActivity(active)).getTime() < 60_000);
});

test('corrections, events without a subject and clocks running ahead', () => {
  const meters = new Map<string, Meter>([['llm.tokens', { name: 'llm.tokens', unit: 'tokens', aggregation: 'sum', dimensions: [], uniqueBy: null, description: '', builtin: true, marksActivity: true }]]);
  const now = new Date('2026-11-28T12:00:00Z');
  const ev = (subject: string | null, quantity: string, time: string): UsageEvent => ({ time: new Date(time), meter: 'llm.tokens', quantity, source: '/s', id: randomUUID(), subject, dimensions: {} });
  const latest = latestActivity([
    ev('w1', '-100', '2026-11-28T11:59:00Z'), // a correction is not work
    ev(null, '100', '2026-11-28T11:59:00Z'),
    ev('w2', '100', '2026-11-28T12:03:00Z'), // accepted up to five minutes ahead, counted as now
    ev('w3', '100', '2026-11-28T11:00:00Z'),
    ev('w3', '100', '2026-11-28T11:30:00Z'),
  ], meters, now);
  assert.deepEqual(Object.fromEntries([...latest].map(([k, v]) => [k, v.toISOString()])), { w2: now.toISOString(), w3: '2026-11-28T11:30:00.000Z' });
});

test('concurrent batches naming the same workspaces in opposite orders all land', async () => {
  const a = await idleWorkspace('pair-a');
  const b = await idleWorkspace('pair-b');
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => {
    const order = i % 2 ? [a, b] : [b, a];
    return sendRetrying(t.app, ingest, order.map((subject, k) => usageEvent({ subject, time: new Date(Date.now() - (k + 1) * 40_000 - i * 1000).toISOString() })));
  }));
  for (const r of results) assert.equal(r.statusCode, 200, r.body);
  assert.equal(results.reduce((s, r) => s + r.json().accepted, 0), 24);
  for (const id of [a, b]) assert.ok(Date.now() - (await lastActivity(id)).getTime() < 5 * 60_000);
});
