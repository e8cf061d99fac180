// Fleet cost collection against the sandbox's Kubernetes API, the real client and PostgreSQL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Decimal } from 'decimal.js';
import { startSandbox, TEST_TIMINGS, type NodePoolSpec, type RunningSandbox } from '../../../sandbox/index.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { loadCatalogFile, listCatalogs } from '../../../collectors/cost/catalog-store.ts';
import { allocateSample, collectFleetCost, readFleet, SAMPLE_HOURS, storeSample, type FleetSnapshot } from '../../../collectors/cost/fleet-collector.ts';
import type { RatesT } from '../../../collectors/cost/catalog.ts';

const POOLS: NodePoolSpec[] = [
  { name: 'r1-on-demand', region: 'r1', zones: ['r1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
  { name: 'r1-spot', region: 'r1', zones: ['r1a'], capacityType: 'spot', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
];

let sb: RunningSandbox;
const t: TestApp = await buildTestApp();
let rates: RatesT;
const tenants: string[] = [];

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

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
  await eventually('both tenant pods running with metrics', async () => {
    const snap = await readFleet(sb.kubeConfig());
    return tenants.every((id) => snap.pods.some((p) => p.namespace === `tenant-${id}` && p.cpuUsage > 0));
  });
});
after(() => sb.close());

const rate = (r: RatesT['cpuHour'], pool: string) => new Decimal(pool === 'spot' ? r.spot : r.onDemand);
function expectedTenantCost(snap: FleetSnapshot, tenantId: string): Decimal {
  return snap.pods.filter((p) => p.namespace === `tenant-${tenantId}`).reduce((sum, p) => sum
    .add(rate(rates.cpuHour, p.pool).mul(Math.max(p.cpuRequest, p.cpuUsage)).mul(SAMPLE_HOURS))
    .add(rate(rates.gbHour, p.pool).mul(Math.max(p.memoryRequestGb, p.memoryUsageGb)).mul(SAMPLE_HOURS)), new Decimal(0));
}
function nodeCost(snap: FleetSnapshot): Decimal {
  return snap.nodes.reduce((sum, n) => sum
    .add(rate(rates.cpuHour, n.pool).mul(n.cpu).mul(SAMPLE_HOURS))
    .add(rate(rates.gbHour, n.pool).mul(n.memoryGb).mul(SAMPLE_HOURS)), new Decimal(0));
}
async function rowsOf(minute: Date) {
  const { rows } = await t.db.query<{ line: string; tenant_id: string | null; total: string }>(
    'SELECT line, tenant_id, total::text FROM fleet_cost_samples WHERE sample_minute = $1 ORDER BY line, tenant_id', [minute]);
  return rows;
}

test('each tenant is charged max(request, usage) × rate × one minute, and idle is the nodes\' cost minus every allocated line', async () => {
  const minute = new Date('2026-11-28T10:15:00Z');
  const snap = await readFleet(sb.kubeConfig());
  await storeSample(t.db, minute, allocateSample(snap, rates));
  const rows = await rowsOf(minute);
  for (const id of tenants) {
    const row = rows.find((r) => r.tenant_id === id);
    assert.ok(row, `a line for tenant ${id}`);
    assert.equal(new Decimal(row.total).toString(), expectedTenantCost(snap, id).toString());
  }
  assert.equal(new Decimal(rows.find((r) => r.line === 'overcommit')!.total).toString(), '0');
  const allocated = rows.filter((r) => r.line === 'tenant' || r.line === 'system').reduce((s, r) => s.add(r.total), new Decimal(0));
  assert.equal(new Decimal(rows.find((r) => r.line === 'idle')!.total).toString(), nodeCost(snap).sub(allocated).toString());
});

test('collecting the same minute twice replaces its rows instead of adding to them', async () => {
  const minute = new Date('2026-11-28T10:16:00Z');
  await collectFleetCost(t.db, sb.kubeConfig(), new Date(minute.getTime() + 5_000));
  const second = await collectFleetCost(t.db, sb.kubeConfig(), new Date(minute.getTime() + 40_000));
  const rows = await rowsOf(minute);
  assert.equal(rows.length, second.tenants.length + 2, 'one row per line, not two');
  const stored = rows.reduce((s, r) => s.add(r.total), new Decimal(0));
  const expected = second.tenants.reduce((s, l) => s.add(l.total), new Decimal(second.idle.total)).add(second.overcommit.total);
  assert.equal(stored.toString(), expected.toString());
});
