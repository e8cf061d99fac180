// Synthetic tenants drive a real, listening Pilothouse through its HTTP APIs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../helper.ts';
import { createWorkspace, transitionWorkspace } from '../../tenancy/workspaces.ts';
import { SyntheticTenant, DEMO_TRAFFIC, type Counters, type TenantIdentity } from '../../sandbox/traffic/tenant.ts';
import { PilothouseClient } from '../../sandbox/traffic/client.ts';
import { Traffic } from '../../sandbox/traffic/traffic.ts';
import { seeded } from '../../sandbox/fleet/random.ts';

const t: TestApp = await buildTestApp();
const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });

async function identity(workspaces: number): Promise<TenantIdentity> {
  const tenant = await t.tenant();
  return { id: tenant.id, name: tenant.name, adminToken: await t.token('admin', tenant.id), ingestToken: await t.token('ingest', tenant.id), collectorToken: await t.token('collector'), workspaces };
}

const counters = (): Counters => ({ events: 0, duplicates: 0, rejected: 0, spans: 0, apiCalls: 0, errors: 0, refusals: 0 });

test('a synthetic tenant opens workspaces through the workspace API, up to its target', async () => {
  const who = await identity(2);
  const c = counters();
  const tenant = new SyntheticTenant({ who, client: new PilothouseClient(baseUrl), regions: ['eu-west-1'], timings: DEMO_TRAFFIC, rnd: seeded(3), counters: c, onActivity: () => {} });
  for (let i = 0; i < 12; i++) await tenant.step();
  const { rows } = await t.db.query('SELECT state, region FROM workspaces WHERE tenant_id = $1', [who.id]);
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.state === 'pending' && r.region === 'eu-west-1'));
  assert.equal(c.errors, 0);
});

test('an agent at work in a running workspace sends LLM, compute and storage usage and traces, all stored', async () => {
  const who = await identity(1);
  const ws = await createWorkspace(t.db, { tenantId: who.id, name: 'busy', region: 'eu-west-1' });
  await transitionWorkspace(t.db, who.id, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, who.id, ws.id, { to: 'running' });
  const activity = new Map<string, number>();
  const c = counters();
  const tenant = new SyntheticTenant({
    who, client: new PilothouseClient(baseUrl), regions: ['eu-west-1'], rnd: seeded(5), counters: c,
    timings: { ...DEMO_TRAFFIC, workMs: [3_600_000, 3_600_000], callsPerMinute: [30, 30] },
    onActivity: (id, level) => activity.set(id, level),
  });
  const t0 = Date.now();
  await tenant.step(t0);
  await tenant.step(t0 + 20_000);
  const { rows } = await t.db.query('SELECT meter, count(*)::int AS n FROM usage_events WHERE tenant_id = $1 AND subject = $2 GROUP BY meter ORDER BY meter', [who.id, ws.id]);
  assert.deepEqual(rows.map((r) => r.meter), ['compute.seconds', 'llm.cost_usd', 'llm.tokens', 'storage.gb_hours']);
  const compute = await t.db.query(`SELECT sum(quantity)::float AS q FROM usage_events WHERE tenant_id = $1 AND meter = 'compute.seconds'`, [who.id]);
  assert.equal(compute.rows[0].q, 0.5 * 20, 'half a vCPU for the 20 s between the two rounds');
  const spans = await t.db.query('SELECT count(*)::int AS n FROM spans WHERE tenant_id = $1', [who.id]);
  assert.ok(spans.rows[0].n > 0, 'agent step traces were stored');
  assert.equal(c.spans, spans.rows[0].n);
  assert.ok(activity.get(ws.id)! >= 0.6, 'the workspace was reported busy to the fleet');
  assert.equal(c.errors, 0);
});

test('events are resent with the same ids after a lost answer, and the server absorbs them as duplicates', async () => {
  const who = await identity(1);
  const ws = await createWorkspace(t.db, { tenantId: who.id, name: 'again', region: 'eu-west-1' });
  await transitionWorkspace(t.db, who.id, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, who.id, ws.id, { to: 'running' });
  const mk = () => new SyntheticTenant({ who, client: new PilothouseClient(baseUrl), regions: ['eu-west-1'], rnd: seeded(9), counters: c, timings: DEMO_TRAFFIC, onActivity: () => {} });
  const c = counters();
  const t0 = Date.now();
  const first = mk();
  await first.step(t0);
  await first.step(t0 + 10_000);
  const stored = c.events;
  // A second sender with the same seed replays the same rounds: same ids.
  const replay = mk();
  await replay.step(t0);
  await replay.step(t0 + 10_000);
  assert.ok(stored > 0);
  assert.equal(c.duplicates, stored);
});

test('an ingestion endpoint that does not exist is skipped, and said so, instead of failing the round', async () => {
  const who = await identity(1);
  const logs: string[] = [];
  const traffic = new Traffic({ baseUrl: `${baseUrl}/nowhere`, tenants: [who], regions: ['eu-west-1'], log: (m) => logs.push(m) });
  await traffic.round();
  const status = traffic.status();
  assert.equal(status.rounds, 1);
  assert.ok(status.skipped.some((s) => s.includes('/workspaces')));
  assert.ok(logs.some((l) => l.includes('demo traffic skips workspaces')));
});
