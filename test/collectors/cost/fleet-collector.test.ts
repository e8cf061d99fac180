// Fleet cost collection against the sandbox's Kubernetes API, the real client and PostgreSQL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Decimal } from 'decimal.js';
import { startSandbox, TEST_TIMINGS, type NodePoolSpec, type RunningSandbox } from '../../../sandbox/index.ts';
import { bearer, buildTestApp, type TestApp } from '../../helper.ts';
import { loadCatalogFile, listCatalogs } from '../../../collectors/cost/catalog-store.ts';
import { allocateSample, collectFleetCost, readFleet, SAMPLE_HOURS, storeSample, type FleetSnapshot } from '../../../collectors/cost/fleet-collector.ts';
import type { RatesT } from '../../../collectors/cost/catalog.ts';
import { eventually } from '../../eventually.ts';
import { summarizeFleet } from '../../../collectors/fleet/summary.ts';
import { compactFleetCost, fleetCosts } from '../../../collectors/cost/fleet-costs.ts';
import { Kube } from '../../../kube/client.ts';

const POOLS: NodePoolSpec[] = [
  { name: 'r1-on-demand', region: 'r1', zones: ['r1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
  { name: 'r1-spot', region: 'r1', zones: ['r1a'], capacityType: 'spot', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
];

let sb: RunningSandbox;
const t: TestApp = await buildTestApp();
let rates: RatesT;
const tenants: string[] = [];


before(async () => {
  sb = await startSandbox({ pools: POOLS, timings: TEST_TIMINGS, seed: 3 });
  await loadCatalogFile(t.db, 'collectors/cost/default-catalog.yaml');
  rates = (await listCatalogs(t.db))[0]!.document.rates!;
  const core = sb.kubeConfig().makeApiClient(k8s.CoreV1Api);
  for (const [i, cpu] of [['a', '500m'], ['b', '2']] as const) {
    const tenant = await t.tenant(`fleet-cost-${i}`);
    tenants.push(tenant.id);
    const namespace = `tenant-${tenant.id}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedPod({ namespace, body: {
      metadata: { name: `agent-${i}` },
      spec: { containers: [{ name: 'agent', image: 'openhands', resources: { requests: { cpu, memory: '1Gi' } } }] },
    } });
  }
  // a pod outside any tenant namespace is the platform's, billed to the system line
  await core.createNamespace({ body: { metadata: { name: 'pilothouse-system' } } });
  await core.createNamespacedPod({ namespace: 'pilothouse-system', body: {
    metadata: { name: 'collector' },
    spec: { containers: [{ name: 'collector', image: 'pilothouse', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] },
  } });
  await eventually('both tenant pods running with metrics', async () => {
    const snap = await readFleet(new Kube({ server: sb.url }));
    return [...tenants.map((id) => `tenant-${id}`), 'pilothouse-system'].every((ns) => snap.pods.some((p) => p.namespace === ns && p.cpuUsage > 0));
  });
});
after(() => sb.close());

const rate = (r: RatesT['cpuHour'], pool: string) => new Decimal(pool === 'spot' ? r.spot : r.onDemand);
/** The sandbox prices every node; its CPU and memory share that price in the catalogue's ratio. */
function scaleOf(snap: FleetSnapshot, node: string): Decimal {
  const n = snap.nodes.find((x) => x.name === node)!;
  assert.ok(n.pricePerHour! > 0, `the sandbox annotates ${node} with its price`);
  return new Decimal(n.pricePerHour!).div(rate(rates.cpuHour, n.pool).mul(n.cpu).add(rate(rates.gbHour, n.pool).mul(n.memoryGb)));
}
function expectedTenantCost(snap: FleetSnapshot, tenantId: string): Decimal {
  return snap.pods.filter((p) => p.namespace === `tenant-${tenantId}`).reduce((sum, p) => sum
    .add(rate(rates.cpuHour, p.pool).mul(scaleOf(snap, p.node)).mul(Math.max(p.cpuRequest, p.cpuUsage)).mul(SAMPLE_HOURS))
    .add(rate(rates.gbHour, p.pool).mul(scaleOf(snap, p.node)).mul(Math.max(p.memoryRequestGb, p.memoryUsageGb)).mul(SAMPLE_HOURS)), new Decimal(0));
}
/** What the nodes cost in the minute: their own prices. */
function nodeCost(snap: FleetSnapshot): Decimal {
  return snap.nodes.reduce((sum, n) => sum.add(new Decimal(n.pricePerHour!).mul(SAMPLE_HOURS)), new Decimal(0));
}
async function rowsOf(minute: Date) {
  const { rows } = await t.db.query<{ line: string; tenant_id: string | null; total: string }>(
    'SELECT line, tenant_id, total::text FROM fleet_cost_samples WHERE sample_minute = $1 ORDER BY line, tenant_id', [minute]);
  return rows;
}

test('each tenant is charged max(request, usage) × its node\'s rates × one minute, and idle is the nodes\' own prices minus every allocated line', async () => {
  const minute = new Date('2026-11-28T10:15:00Z');
  const snap = await readFleet(new Kube({ server: sb.url }));
  await storeSample(t.db, minute, allocateSample(snap, rates));
  const rows = await rowsOf(minute);
  assert.ok(rows.some((r) => r.line === 'system'), 'a system line for the pilothouse-system pod');
  for (const id of tenants) {
    const row = rows.find((r) => r.tenant_id === id);
    assert.ok(row, `a line for tenant ${id}`);
    assert.equal(new Decimal(row.total).toString(), expectedTenantCost(snap, id).toString());
  }
  assert.equal(new Decimal(rows.find((r) => r.line === 'overcommit')!.total).toString(), '0');
  const allocated = rows.filter((r) => r.line === 'tenant' || r.line === 'system').reduce((s, r) => s.add(r.total), new Decimal(0));
  // The split of a price into CPU and memory divides: equal to the last of 20 digits is not asked.
  const idle = new Decimal(rows.find((r) => r.line === 'idle')!.total);
  assert.ok(idle.sub(nodeCost(snap).sub(allocated)).abs().lt(1e-12), `idle ${idle} = ${nodeCost(snap)} - ${allocated}`);
});

test('the fleet page\'s node prices and the cost allocation agree on what the nodes cost', async () => {
  const core = sb.kubeConfig().makeApiClient(k8s.CoreV1Api);
  const [nodes, pods] = await Promise.all([core.listNode(), core.listPodForAllNamespaces()]);
  const summary = summarizeFleet(nodes.items, pods.items, { now: new Date(), rates });
  const allocation = allocateSample(await readFleet(new Kube({ server: sb.url })), rates);
  const perHour = new Decimal(allocation.nodes.total).div(SAMPLE_HOURS);
  assert.ok(perHour.sub(summary.totals.costPerHour).abs().lt(1e-6), `allocation ${perHour}/h, fleet page ${summary.totals.costPerHour}/h`);
});

test('collecting the same minute twice replaces its rows instead of adding to them', async () => {
  const minute = new Date('2026-11-28T10:16:00Z');
  await collectFleetCost(t.db, new Kube({ server: sb.url }), new Date(minute.getTime() + 5_000));
  const second = await collectFleetCost(t.db, new Kube({ server: sb.url }), new Date(minute.getTime() + 40_000));
  const rows = await rowsOf(minute);
  assert.equal(rows.length, second.tenants.length + 2, 'one row per line, not two');
  const stored = rows.reduce((s, r) => s.add(r.total), new Decimal(0));
  const expected = second.tenants.reduce((s, l) => s.add(l.total), new Decimal(second.idle.total)).add(second.overcommit.total);
  assert.equal(stored.toString(), expected.toString());
});

const window = 'from=2026-11-28T10:00:00Z&to=2026-11-28T11:00:00Z';

test('the fleet costs route lists every tenant\'s line with idle and system, and totals that add up', async () => {
  const res = await t.app.inject({ url: `/api/v1/fleet/costs?${window}`, headers: bearer(await t.token('viewer')) });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { totals: { line: string; tenantId: string | null; total: string }[]; total: string };
  for (const id of tenants) assert.ok(body.totals.some((l) => l.line === 'tenant' && l.tenantId === id));
  assert.ok(body.totals.some((l) => l.line === 'idle'));
  assert.ok(body.totals.some((l) => l.line === 'system'));
  assert.equal(body.totals.reduce((s, l) => s.add(l.total), new Decimal(0)).toString(), new Decimal(body.total).toString());
});

test('a tenant\'s fleet costs hold only its own line, never idle or another tenant\'s', async () => {
  const [mine] = tenants;
  const res = await t.app.inject({ url: `/api/v1/tenants/${mine}/fleet-costs?${window}`, headers: bearer(await t.token('member', mine!)) });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { hours: { line: string; tenantId: string }[]; totals: { line: string; tenantId: string }[] };
  assert.ok(body.hours.length > 0);
  for (const l of [...body.hours, ...body.totals]) assert.deepEqual([l.line, l.tenantId], ['tenant', mine]);
});

test('another tenant\'s fleet costs are a 404', async () => {
  const [mine, theirs] = tenants;
  const res = await t.app.inject({ url: `/api/v1/tenants/${theirs}/fleet-costs?${window}`, headers: bearer(await t.token('owner', mine!)) });
  assert.equal(res.statusCode, 404);
});

test('a window whose end is not after its start is a 400 that says so', async () => {
  const res = await t.app.inject({ url: '/api/v1/fleet/costs?from=2026-11-28T11:00:00Z&to=2026-11-28T10:00:00Z', headers: bearer(await t.token('viewer')) });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /`from` must be before `to`/);
});

test('the platform fleet costs need fleet:read: a tenant token is refused', async () => {
  const res = await t.app.inject({ url: `/api/v1/fleet/costs?${window}`, headers: bearer(await t.token('owner', tenants[0]!)) });
  assert.equal(res.statusCode, 403);
});

test('minutes older than a week are compacted into hours, and the costs read the same before and after', async () => {
  // Two hours of minutes ten days back and one recent minute, from one real sample.
  const allocation = allocateSample(await readFleet(new Kube({ server: sb.url })), rates);
  const old = Date.UTC(2026, 10, 10, 8);
  for (let m = 0; m < 120; m += 7) await storeSample(t.db, new Date(old + m * 60_000), allocation);
  const recent = new Date(Date.UTC(2026, 10, 27, 9, 30));
  await storeSample(t.db, recent, allocation);
  const span = { from: new Date(old - 3_600_000), to: new Date(recent.getTime() + 60_000) };
  const mine = { ...span, tenantId: tenants[0]! };
  const [beforeAll, beforeMine] = [await fleetCosts(t.db, span), await fleetCosts(t.db, mine)];

  const now = new Date(Date.UTC(2026, 10, 28, 12));
  const first = await compactFleetCost(t.db, now);
  assert.equal(first.minutes, 18 * (allocation.tenants.length + 2), 'every old minute row compacted');
  assert.equal(first.hours, 2 * (allocation.tenants.length + 2), 'one row per hour and line');
  assert.deepEqual(await compactFleetCost(t.db, now), { minutes: 0, hours: 0 });
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM fleet_cost_samples WHERE sample_minute < $1', [new Date(now.getTime() - 7 * 86_400_000)]);
  assert.equal(rows[0]!.n, 0);

  assert.deepEqual(await fleetCosts(t.db, span), beforeAll);
  assert.deepEqual(await fleetCosts(t.db, mine), beforeMine);
  assert.ok(beforeMine.hours.every((h) => h.line === 'tenant' && h.tenantId === tenants[0]));
});

test('each hour says how many of its minutes were sampled, for tenants too', async () => {
  const allocation = allocateSample(await readFleet(new Kube({ server: sb.url })), rates);
  const hour = Date.UTC(2026, 10, 26, 14);
  for (const m of [0, 1, 2, 30]) await storeSample(t.db, new Date(hour + m * 60_000), allocation);
  const span = { from: new Date(hour), to: new Date(hour + 3_600_000) };
  const all = await fleetCosts(t.db, span);
  assert.ok(all.hours.length > 0 && all.hours.every((h) => h.minutes === 4), JSON.stringify(all.hours.map((h) => h.minutes)));
  const mine = await fleetCosts(t.db, { ...span, tenantId: tenants[0]! });
  assert.ok(mine.hours.length === 1 && mine.hours[0]!.minutes === 4);
});
