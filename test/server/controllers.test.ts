// Controllers through the API: switches that the running loops obey, and the audit log,
// filtered and scoped by tenant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { createWorkspace, transitionWorkspace } from '../../tenancy/workspaces.ts';
import { ControllerRuntime } from '../../controllers/runtime/runtime.ts';
import { PgElector } from '../../controllers/runtime/elector.ts';
import { createReaperController } from '../../controllers/reaper/reaper.ts';
import { LEASE_NAME } from '../../controllers/index.ts';

const t = await buildTestApp();
const admin = await t.token('admin');
const viewer = await t.token('viewer');
const runtime = new ControllerRuntime({ db: t.db, elector: new PgElector(t.db, LEASE_NAME, 'api-test-replica', 10_000), controllers: [createReaperController()], registry: t.app.metrics });
await runtime.tick();

async function idle(tenantId: string, name: string) {
  const ws = await createWorkspace(t.db, { tenantId, name, region: 'eu-west-1' });
  await transitionWorkspace(t.db, tenantId, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, tenantId, ws.id, { to: 'running' });
  await t.db.query(`UPDATE workspaces SET running_at = now() - interval '2 hours', last_activity_at = now() - interval '1 hour' WHERE id = $1`, [ws.id]);
  return ws.id;
}

const a = await t.tenant();
const b = await t.tenant();
const wsA = await idle(a.id, 'a1');
const wsB = await idle(b.id, 'b1');
await runtime.runOnce('idle-reaper');

test('the overview lists every controller with its switches, last run and the lease holder', async () => {
  const res = await t.app.inject({ url: '/api/v1/controllers', headers: bearer(viewer) });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.deepEqual(body.controllers.map((c: { name: string }) => c.name).sort(), ['cost-guard', 'headroom-autoscaler', 'idle-reaper', 'node-repair', 'quota-enforcer', 'reactive-autoscaler', 'region-failover', 'remediation', 'rightsizer', 'spot-converter', 'workspace-lifecycle', 'workspace-snapshots']);
  assert.equal(body.lease.holder, 'api-test-replica');
  assert.equal(body.lease.held, true);
  const reaper = body.controllers.find((c: { name: string }) => c.name === 'idle-reaper');
  assert.equal(reaper.lastRun.applied, 2);
  assert.equal(reaper.paused, false);
});

test('pausing a controller through the API stops its runs until it is resumed', async () => {
  const paused = await t.app.inject({ method: 'POST', url: '/api/v1/controllers/idle-reaper/pause', headers: bearer(admin), payload: { reason: 'investigating' } });
  assert.equal(paused.statusCode, 200, paused.body);
  assert.equal(paused.json().controllers.find((c: { name: string }) => c.name === 'idle-reaper').paused, true);
  assert.equal((await runtime.runOnce('idle-reaper')).skipped, 'paused');
  await t.app.inject({ method: 'POST', url: '/api/v1/controllers/idle-reaper/resume', headers: bearer(admin) });
  assert.equal((await runtime.runOnce('idle-reaper')).skipped, undefined);
});

test('dry run can be set per controller and for all, and the runtime obeys both', async () => {
  const id = await idle(a.id, 'dry');
  const one = await t.app.inject({ method: 'PUT', url: '/api/v1/controllers/idle-reaper/dry-run', headers: bearer(admin), payload: { dryRun: true } });
  assert.equal(one.json().controllers.find((c: { name: string }) => c.name === 'idle-reaper').dryRun, true);
  assert.equal((await runtime.runOnce('idle-reaper')).dryRun, 1);
  await t.app.inject({ method: 'PUT', url: '/api/v1/controllers/idle-reaper/dry-run', headers: bearer(admin), payload: { dryRun: false } });
  const all = await t.app.inject({ method: 'PUT', url: '/api/v1/controllers/dry-run', headers: bearer(admin), payload: { dryRun: true } });
  assert.equal(all.json().globalDryRun, true);
  const { rows } = await t.db.query(`SELECT state FROM workspaces WHERE id = $1`, [id]);
  assert.equal(rows[0].state, 'running');
  await t.app.inject({ method: 'PUT', url: '/api/v1/controllers/dry-run', headers: bearer(admin), payload: { dryRun: false } });
  assert.equal((await runtime.runOnce('idle-reaper')).applied, 1);
});

test('an unknown controller is a 404 that names the known ones', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/controllers/autoscaler-x/pause', headers: bearer(admin) });
  assert.equal(res.statusCode, 404);
  assert.match(res.json().message, /known: workspace-lifecycle, idle-reaper, quota-enforcer/);
});

test('a viewer may read the controllers but not switch them', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/controllers/idle-reaper/pause', headers: bearer(viewer) });
  assert.equal(res.statusCode, 403);
});

test('the audit log filters by controller, target and status, newest first, page by page', async () => {
  const byTarget = (await t.app.inject({ url: `/api/v1/controller-actions?target=${wsA}`, headers: bearer(viewer) })).json();
  assert.equal(byTarget.items.length, 1);
  const row = byTarget.items[0];
  assert.equal(row.controller, 'idle-reaper');
  assert.equal(row.status, 'applied');
  assert.equal(row.tenantId, a.id);
  assert.match(row.reason, /idle for 60 min/);
  assert.equal(row.inputs.limits.idleMinutes, 30);
  const pages: number[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: number }[]; nextCursor: string | null } = (await t.app.inject({ url: `/api/v1/controller-actions?controller=idle-reaper&limit=1${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(viewer) })).json();
    pages.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor);
  assert.ok(pages.length >= 4);
  assert.deepEqual(pages, [...pages].sort((x, y) => y - x), 'newest first');
  const dry = (await t.app.inject({ url: '/api/v1/controller-actions?status=dry_run', headers: bearer(viewer) })).json();
  assert.ok(dry.items.every((i: { dryRun: boolean }) => i.dryRun));
});

test('a tenant member sees its own tenant\'s decisions and no other tenant\'s', async () => {
  const member = await t.token('member', a.id);
  const own = (await t.app.inject({ url: `/api/v1/tenants/${a.id}/controller-actions`, headers: bearer(member) })).json();
  assert.ok(own.items.length >= 1);
  assert.ok(own.items.every((i: { tenantId: string }) => i.tenantId === a.id));
  assert.ok(!own.items.some((i: { target: string }) => i.target === wsB));
  const other = await t.app.inject({ url: `/api/v1/tenants/${b.id}/controller-actions`, headers: bearer(member) });
  assert.equal(other.statusCode, 404);
  const platform = await t.app.inject({ url: '/api/v1/controller-actions', headers: bearer(member) });
  assert.equal(platform.statusCode, 403);
});

test('/metrics exposes reconcile durations, actions by controller and result, and leader status', async () => {
  const text = (await t.app.inject({ url: '/metrics' })).body;
  assert.match(text, /pilothouse_controller_reconcile_duration_seconds_count\{controller="idle-reaper",outcome="ok"\} \d+/);
  assert.match(text, /pilothouse_controller_actions_total\{controller="idle-reaper",result="applied"\} [1-9]/);
  assert.match(text, /pilothouse_controller_leader\{lease="pilothouse-controllers",holder="api-test-replica"\} 1/);
  assert.match(text, /pilothouse_controller_lease_epoch\{lease="pilothouse-controllers"\} 1/);
});

test('a bad cursor is a 400 that says what to pass', async () => {
  const res = await t.app.inject({ url: '/api/v1/controller-actions?cursor=abc', headers: bearer(viewer) });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /nextCursor/);
});

test.after(() => runtime.stop());
