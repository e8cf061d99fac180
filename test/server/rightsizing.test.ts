// Rightsizing on a simulated fleet: the fleet collector stores each workload's usage a
// minute at a time (read through the real client from the sandbox's metrics.k8s.io), and
// the API recommends requests with their inputs, the resource factor each tenant's
// workspaces should get, utilisation against the bands and the cost change. Tenants see
// only their own workspaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { loadCatalogFile } from '../../collectors/cost/catalog-store.ts';
import { collectFleetCost } from '../../collectors/cost/fleet-collector.ts';
import { createObject } from '../../kube/objects.ts';
import { podMetrics } from '../../kube/metrics.ts';
import { startTestCluster, waitFor } from '../controllers/cluster.ts';
import { buildRuntime } from '../../controllers/index.ts';
import { readObject } from '../../kube/objects.ts';
import { parseQuantity } from '../../kube/quantity.ts';

const t = await buildTestApp();
await loadCatalogFile(t.db, 'collectors/cost/default-catalog.yaml');
const cluster = await startTestCluster({
  pools: [{ name: 'r1-on-demand', region: 'r1', zones: ['r1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 2, max: 2, initial: 2 }],
});
const kube = cluster.kube();
const busy = await t.tenant('busy');
const quiet = await t.tenant('quiet');

async function deployment(namespace: string, name: string, labels: Record<string, string>, replicas: number, cpu: string, memory: string) {
  await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 1);
  await createObject(kube, 'Deployment', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'main', image: 'x', resources: { requests: { cpu, memory } } }] } } },
  }, 1);
}
// Workspaces as the lifecycle controller makes them: one pod each, labelled with the workspace id, the base size.
for (const [tenant, ws, level] of [[busy.id, 'ws-busy-1', 1], [busy.id, 'ws-busy-2', 0.9], [quiet.id, 'ws-quiet-1', 0.02]] as const) {
  await deployment(`tenant-${tenant}`, ws, { 'pilothouse.io/workspace': ws }, 1, '500m', '3Gi');
  cluster.api.fleet.metrics.setActivity(ws, level);
}
// A platform Deployment that asks for far more than it uses.
await deployment('platform', 'llm-gateway', {}, 2, '2', '4Gi');

const now = Date.now();
test.before(async () => {
  await waitFor('metrics for every pod', async () => {
    const n = (await Promise.all([busy.id, quiet.id].map((id) => podMetrics(kube, `tenant-${id}`, '')))).flat().length;
    return n === 3 && (await podMetrics(kube, 'platform', '')).length === 2;
  });
  // Thirty minutes of samples, collected as the minute job would.
  for (let k = 30; k >= 0; k--) await collectFleetCost(t.db, kube, new Date(now - k * 60_000));
});

test('recommendations appear for every workspace and Deployment, with their inputs', async () => {
  const admin = await t.token('admin');
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/fleet/rightsizing', headers: bearer(admin) });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const byName = new Map(body.recommendations.map((r: { workload: string }) => [r.workload, r]));
  assert.deepEqual([...byName.keys()].sort(), ['llm-gateway', 'ws-busy-1', 'ws-busy-2', 'ws-quiet-1']);
  const gw = byName.get('llm-gateway') as any;
  assert.equal(gw.kind, 'deployment');
  assert.equal(gw.samples, 31);
  assert.equal(gw.pods, 2);
  assert.equal(gw.current.cpu, 2);
  assert.ok(gw.target.cpu < 1, `an idle gateway needs far less than 2 cores (${gw.target.cpu})`);
  assert.ok(gw.target.cpu >= gw.usage.cpuP95, 'the target covers the observed p95 (plus the safety margin)');
  assert.ok(gw.lowerBound.cpu <= gw.target.cpu && gw.target.cpu <= gw.upperBound.cpu);
  assert.ok(gw.costChangePerMonth < 0, 'shrinking it saves money');
  const hot = byName.get('ws-busy-1') as any;
  assert.ok(hot.target.cpu > 0.5, `a busy workspace needs more than the base 0.5 CPU (${hot.target.cpu})`);
  assert.equal(hot.tenantId, busy.id);

  const factors = new Map(body.tenants.map((x: { tenantId: string; resourceFactor: number }) => [x.tenantId, x.resourceFactor]));
  assert.equal(factors.get(busy.id), 2, 'the busy tenant\'s workspaces should get factor 2');
  assert.equal(factors.get(quiet.id), 1);
  assert.ok(body.utilisation.cpu > 0 && body.utilisation.cpu < 1);
  assert.deepEqual(body.utilisation.cpuBand, [0.7, 0.8]);
  assert.ok(['below', 'within', 'above'].includes(body.utilisation.cpuVerdict));
  assert.ok(body.costChangePerMonth < 0);
});

test('the export is a CSV line per workload', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/fleet/rightsizing?format=csv', headers: bearer(await t.token('sre')) });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/csv/);
  const lines = res.body.trim().split('\n');
  assert.match(lines[0]!, /^namespace,kind,workload,tenant_id,pods,samples,/);
  assert.equal(lines.length, 5);
});

test('a tenant sees its own workspaces only, and never another tenant\'s', async () => {
  const member = await t.token('member', quiet.id);
  const own = await t.app.inject({ method: 'GET', url: `/api/v1/tenants/${quiet.id}/rightsizing`, headers: bearer(member) });
  assert.equal(own.statusCode, 200);
  assert.deepEqual(own.json().recommendations.map((r: { workload: string }) => r.workload), ['ws-quiet-1']);
  const other = await t.app.inject({ method: 'GET', url: `/api/v1/tenants/${busy.id}/rightsizing`, headers: bearer(member) });
  assert.ok([403, 404].includes(other.statusCode), String(other.statusCode));
  const fleet = await t.app.inject({ method: 'GET', url: '/api/v1/fleet/rightsizing', headers: bearer(member) });
  assert.equal(fleet.statusCode, 403);
});

test('applying is off until an operator switches it on; then the gateway gets its recommendation, audited, never below its usage', async () => {
  const NEVER = '0 0 0 1 1 *';
  const runtime = buildRuntime({
    db: t.db, kube: cluster.kube(), holder: 'rightsizer-test', leaseTtlMs: 5_000,
    schedules: { 'workspace-lifecycle': NEVER, 'idle-reaper': NEVER, 'quota-enforcer': NEVER, 'headroom-autoscaler': NEVER, 'reactive-autoscaler': NEVER, rightsizer: NEVER },
  });
  await runtime.start();
  try {
    assert.equal((await runtime.runOnce('rightsizer')).decisions, 0, 'off by default');
    const admin = await t.token('admin');
    const member = await t.token('member', quiet.id);
    const refused = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/rightsizing/policy', headers: bearer(member), payload: { apply: true } });
    assert.equal(refused.statusCode, 403);
    const on = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/rightsizing/policy', headers: bearer(admin), payload: { apply: true } });
    assert.deepEqual(on.json(), { apply: true });
    const report = await runtime.runOnce('rightsizer');
    assert.equal(report.applied, 1, JSON.stringify(report));
    const d = await readObject(kube, 'Deployment', 'platform', 'llm-gateway');
    const req = d!.spec.template.spec.containers[0].resources.requests;
    const cpu = parseQuantity(req.cpu)!;
    assert.ok(cpu < 2, `cpu request lowered from 2 to ${req.cpu}`);
    const { rows: [row] } = await t.db.query(`SELECT decision, inputs FROM controller_actions WHERE controller = 'rightsizer' AND status = 'applied'`);
    assert.match(row.decision, /^requests platform\/llm-gateway cpu 2→/);
    assert.ok(cpu >= row.inputs.latestUsage.cpu, 'never below what the pods use');
    assert.ok(parseQuantity(req.memory)! >= row.inputs.latestUsage.memory);
    // Workspaces are not touched: their size is the resource factor.
    const ws = await readObject(kube, 'Deployment', `tenant-${busy.id}`, 'ws-busy-1');
    assert.equal(ws!.spec.template.spec.containers[0].resources.requests.cpu, '500m');
  } finally {
    await runtime.stop();
  }
});
