import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { transitionWorkspace } from '../../tenancy/workspaces.ts';

const t = await buildTestApp();
const tenant = await t.tenant();
const member = await t.token('member', tenant.id);
const base = `/api/v1/tenants/${tenant.id}/workspaces`;

test('a created workspace is pending, with its creation recorded as the first transition', async () => {
  const res = await t.app.inject({ method: 'POST', url: base, headers: bearer(member), payload: { name: 'api-fix', region: 'eu-west-1', repository: 'github.com/acme/api', resourceFactor: 2, nodePool: 'spot' } });
  assert.equal(res.statusCode, 201);
  const ws = res.json();
  assert.equal(ws.state, 'pending');
  assert.equal(ws.resourceFactor, 2);
  const detail = (await t.app.inject({ url: `${base}/${ws.id}`, headers: bearer(member) })).json();
  assert.deepEqual(detail.history.map((h: { from: string | null; to: string }) => [h.from, h.to]), [[null, 'pending']]);
});

test('pages are newest first and stable: every workspace appears exactly once', async () => {
  const own = await t.tenant();
  const tok = await t.token('member', own.id);
  for (let i = 0; i < 7; i++) {
    await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${own.id}/workspaces`, headers: bearer(tok), payload: { name: `ws-${i}`, region: 'us-east-1' } });
  }
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await t.app.inject({ url: `/api/v1/tenants/${own.id}/workspaces`, query: { limit: '3', ...(cursor ? { cursor } : {}) }, headers: bearer(tok) })).json();
    seen.push(...page.items.map((w: { name: string }) => w.name));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  assert.deepEqual(seen, ['ws-6', 'ws-5', 'ws-4', 'ws-3', 'ws-2', 'ws-1', 'ws-0']);
});

test('pages skip nothing when workspaces are created within the same millisecond', async () => {
  const own = await t.tenant();
  const tok = await t.token('member', own.id);
  for (let i = 0; i < 4; i++) {
    await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${own.id}/workspaces`, headers: bearer(tok), payload: { name: `same-ms-${i}`, region: 'us-east-1' } });
  }
  // Same millisecond, microseconds apart: what a burst of concurrent creates produces.
  await t.db.query(
    `UPDATE workspaces SET created_at = '2026-11-28T10:00:00.123Z'::timestamptz + (substr(name, 9)::int * interval '100 microseconds') WHERE tenant_id = $1`,
    [own.id],
  );
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await t.app.inject({ url: `/api/v1/tenants/${own.id}/workspaces`, query: { limit: '1', ...(cursor ? { cursor } : {}) }, headers: bearer(tok) })).json();
    seen.push(...page.items.map((w: { name: string }) => w.name));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  assert.deepEqual(seen, ['same-ms-3', 'same-ms-2', 'same-ms-1', 'same-ms-0']);
});

test('filters by state and name', async () => {
  const own = await t.tenant();
  const tok = await t.token('member', own.id);
  const a = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${own.id}/workspaces`, headers: bearer(tok), payload: { name: 'alpha', region: 'us-east-1' } })).json();
  await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${own.id}/workspaces`, headers: bearer(tok), payload: { name: 'beta', region: 'us-east-1' } });
  await transitionWorkspace(t.db, own.id, a.id, { to: 'starting' });
  const starting = (await t.app.inject({ url: `/api/v1/tenants/${own.id}/workspaces?state=starting`, headers: bearer(tok) })).json();
  assert.deepEqual(starting.items.map((w: { name: string }) => w.name), ['alpha']);
  const byName = (await t.app.inject({ url: `/api/v1/tenants/${own.id}/workspaces?q=et`, headers: bearer(tok) })).json();
  assert.deepEqual(byName.items.map((w: { name: string }) => w.name), ['beta']);
});

test('a tampered cursor is a 400 that says what to pass', async () => {
  const res = await t.app.inject({ url: `${base}?cursor=bm9wZQ`, headers: bearer(member) });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /nextCursor/);
});

test('the state machine refuses impossible transitions and stamps each allowed one', async () => {
  const ws = (await t.app.inject({ method: 'POST', url: base, headers: bearer(member), payload: { name: 'sm', region: 'eu-west-1' } })).json();
  await assert.rejects(transitionWorkspace(t.db, tenant.id, ws.id, { to: 'running' }), /cannot become running; from pending it can become starting/);
  await transitionWorkspace(t.db, tenant.id, ws.id, { to: 'starting' });
  const running = await transitionWorkspace(t.db, tenant.id, ws.id, { to: 'running' });
  assert.ok(running.transitions.running! >= running.transitions.starting!);
  const archived = (await t.app.inject({ method: 'DELETE', url: `${base}/${ws.id}`, headers: bearer(member) })).json();
  assert.equal(archived.state, 'archived');
  const again = await t.app.inject({ method: 'DELETE', url: `${base}/${ws.id}`, headers: bearer(member) });
  assert.equal(again.statusCode, 200, 'archiving twice is idempotent');
});

test('a stale version loses: concurrent transitions cannot both win', async () => {
  const ws = (await t.app.inject({ method: 'POST', url: base, headers: bearer(member), payload: { name: 'race', region: 'eu-west-1' } })).json();
  const results = await Promise.allSettled([
    transitionWorkspace(t.db, tenant.id, ws.id, { to: 'starting', expectedVersion: ws.version }),
    transitionWorkspace(t.db, tenant.id, ws.id, { to: 'archived', expectedVersion: ws.version }),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM workspace_transitions WHERE workspace_id = $1`, [ws.id]);
  assert.equal(rows[0].n, 2);
});

test('two workspaces of one tenant cannot share a name; another tenant may use it', async () => {
  await t.app.inject({ method: 'POST', url: base, headers: bearer(member), payload: { name: 'shared', region: 'eu-west-1' } });
  const dup = await t.app.inject({ method: 'POST', url: base, headers: bearer(member), payload: { name: 'Shared', region: 'eu-west-1' } });
  assert.equal(dup.statusCode, 409);
  const other = await t.tenant();
  const ok = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${other.id}/workspaces`, headers: bearer(await t.token('member', other.id)), payload: { name: 'shared', region: 'eu-west-1' } });
  assert.equal(ok.statusCode, 201);
});

test('counts by state cover every state, per tenant for its members and across tenants for platform roles', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  const tokA = await t.token('member', a.id);
  const tokB = await t.token('member', b.id);
  const make = async (tenantId: string, tok: string, name: string) => (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/workspaces`, headers: bearer(tok), payload: { name, region: 'eu-west-1' } })).json().id as string;
  await make(a.id, tokA, 'a1');
  const failing = await make(a.id, tokA, 'a2');
  await transitionWorkspace(t.db, a.id, failing, { to: 'error', reason: 'image pull failed' });
  await make(b.id, tokB, 'b1');

  const own = await t.app.inject({ url: `/api/v1/tenants/${a.id}/workspaces/counts`, headers: bearer(tokA) });
  assert.equal(own.statusCode, 200, own.body);
  assert.deepEqual(own.json(), { pending: 1, starting: 0, running: 0, paused: 0, archived: 0, error: 1 });
  // Another tenant's counts are as invisible as its workspaces.
  assert.equal((await t.app.inject({ url: `/api/v1/tenants/${b.id}/workspaces/counts`, headers: bearer(tokA) })).statusCode, 404);
  assert.equal((await t.app.inject({ url: '/api/v1/workspaces/counts', headers: bearer(tokA) })).statusCode, 403);

  const viewer = await t.token('viewer');
  const one = await t.app.inject({ url: `/api/v1/workspaces/counts?tenantId=${b.id}`, headers: bearer(viewer) });
  assert.deepEqual(one.json(), { pending: 1, starting: 0, running: 0, paused: 0, archived: 0, error: 0 });
  const all = (await t.app.inject({ url: '/api/v1/workspaces/counts', headers: bearer(viewer) })).json();
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM workspaces`);
  assert.equal(Object.values(all as Record<string, number>).reduce((s, n) => s + n, 0), rows[0].n);
});
