// GET /api/v1/fleet against the sandbox fleet, through the real client and the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { bearer, buildTestApp } from '../helper.ts';
import { startTestCluster, waitFor } from '../controllers/cluster.ts';
import { PRICE_ANNOTATION, type NodePoolSpec } from '../../sandbox/index.ts';
import { resourceByKey } from '../../sandbox/k8s/index.ts';
import { TENANT_ROLES } from '../../server/auth/roles.ts';
import { readFleetSummary } from '../../collectors/fleet/read.ts';
import type { FleetSummary } from '../../collectors/fleet/summary.ts';

const POOLS: NodePoolSpec[] = [
  { name: 'r1-on-demand', region: 'r1', zones: ['r1a', 'r1b'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 2, max: 2, initial: 2 },
  { name: 'r1-spot', region: 'r1', zones: ['r1a'], capacityType: 'spot', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
  { name: 'r2-on-demand', region: 'r2', zones: ['r2a'], capacityType: 'on-demand', instanceType: 'm6i.2xlarge', min: 1, max: 1, initial: 1 },
];
const cluster = await startTestCluster({ pools: POOLS });
const t = await buildTestApp({ cluster: { mode: 'simulated', server: cluster.url } });
const viewer = await t.token('viewer');
const tenant = await t.tenant('fleet-view');
const NODES = resourceByKey('nodes');
const PODS = resourceByKey('pods');
const store = cluster.api.server.store;
const ns = `tenant-${tenant.id}`;

store.create(resourceByKey('namespaces'), undefined, { metadata: { name: ns } });
const workspacePod = (name: string, region: string, cpu: string) => ({
  metadata: { name, labels: { 'pilothouse.io/workspace': name } },
  spec: {
    nodeSelector: { 'topology.kubernetes.io/region': region, 'pilothouse.io/node-pool': 'on-demand' },
    containers: [{ name: 'sandbox', image: 'openhands', resources: { requests: { cpu, memory: '4Gi' } } }],
  },
});
store.create(PODS, ns, workspacePod('ws-running', 'r1', '2'));
// more cpu than any node has: the scheduler marks it Unschedulable, no pool can take it
store.create(PODS, ns, workspacePod('ws-too-big', 'r2', '64'));
await waitFor('one workspace running and one unschedulable', async () => {
  const pods = store.list(PODS, ns).items;
  return pods.find((p) => p.metadata.name === 'ws-running')?.status?.phase === 'Running'
    && pods.find((p) => p.metadata.name === 'ws-too-big')?.status?.conditions?.some((c: { reason?: string }) => c.reason === 'Unschedulable');
});

async function fleet(): Promise<FleetSummary> {
  const res = await t.app.inject({ url: '/api/v1/fleet', headers: bearer(viewer) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}
const region = (f: FleetSummary, name: string) => f.regions.find((r) => r.name === name)!;
const sandboxNodes = (pool: string) => store.list(NODES, undefined).items.filter((n) => n.metadata.labels?.['pilothouse.io/pool'] === pool);

test('the fleet lists each region with its node pools, their capacity type, instance type and nodes', async () => {
  const f = await fleet();
  assert.deepEqual(f.regions.map((r) => r.name), ['r1', 'r2']);
  assert.deepEqual(region(f, 'r1').pools.map((p) => [p.name, p.capacityType, p.instanceTypes]), [
    ['r1-on-demand', 'on-demand', ['m6i.4xlarge']], ['r1-spot', 'spot', ['m6i.4xlarge']],
  ]);
  for (const p of POOLS) {
    const pool = region(f, p.region).pools.find((x) => x.name === p.name)!;
    assert.deepEqual(pool.nodes.map((n) => n.name), sandboxNodes(p.name).map((n) => n.metadata.name).sort());
    for (const n of pool.nodes) assert.ok(p.zones.includes(n.zone!), `${n.name} in a zone of ${p.name}`);
  }
});

test('a node shows what its pods request against what it can allocate', async () => {
  const f = await fleet();
  const running = store.get(PODS, ns, 'ws-running');
  const node = region(f, 'r1').pools.flatMap((p) => p.nodes).find((n) => n.name === running.spec.nodeName)!;
  const allocatable = store.get(NODES, undefined, node.name).status.allocatable;
  assert.equal(node.cpuAllocatable, Number.parseInt(allocatable.cpu, 10) / 1000);
  assert.equal(node.cpuRequested, 2);
  assert.equal(node.memoryRequestedBytes, 4 * 2 ** 30);
  assert.equal(node.pods, 1);
  assert.equal(node.ready, true);
});

test('region totals give spot share of cpu, workspace pods running and pending, and unschedulable pods', async () => {
  const f = await fleet();
  const r1 = region(f, 'r1').totals;
  assert.equal(r1.nodes, 3);
  assert.equal(r1.spotCpuShare, 1 / 3, 'one spot node of three of the same size');
  assert.deepEqual([r1.workspacePodsRunning, r1.workspacePodsPending, r1.unschedulablePods], [1, 0, 0]);
  const r2 = region(f, 'r2').totals;
  assert.deepEqual([r2.spotCpuShare, r2.workspacePodsRunning, r2.workspacePodsPending, r2.unschedulablePods], [0, 0, 1, 1]);
});

test('the hourly node cost of a region is the sum of its nodes\' prices', async () => {
  const f = await fleet();
  const expected = [...sandboxNodes('r1-on-demand'), ...sandboxNodes('r1-spot')]
    .reduce((s, n) => s.add(n.metadata.annotations![PRICE_ANNOTATION]!), new Decimal(0));
  assert.equal(region(f, 'r1').totals.costPerHour, expected.toNumber());
  assert.equal(region(f, 'r1').pools.find((p) => p.name === 'r1-spot')!.pricePerNodeHour, Number(sandboxNodes('r1-spot')[0]!.metadata.annotations![PRICE_ANNOTATION]));
});

test('a cordoned node is shown cordoned', async () => {
  const [victim] = sandboxNodes('r1-on-demand');
  const current = store.get(NODES, undefined, victim!.metadata.name);
  store.update(NODES, undefined, current.metadata.name, { ...current, spec: { ...current.spec, unschedulable: true } });
  const f = await fleet();
  const node = region(f, 'r1').pools.flatMap((p) => p.nodes).find((n) => n.name === victim!.metadata.name)!;
  assert.equal(node.cordoned, true);
  assert.equal(region(f, 'r1').totals.cordonedNodes, 1);
  store.update(NODES, undefined, current.metadata.name, { ...store.get(NODES, undefined, current.metadata.name), spec: current.spec });
});

test('a fleet larger than one page is read whole, page by page', async () => {
  const nodes = store.list(NODES, undefined).items.length;
  const before = cluster.requests.length;
  const f = await readFleetSummary(cluster.kube(), t.db, { pageSize: 3 });
  const nodePages = cluster.requests.slice(before).filter((r) => r.path.startsWith('/api/v1/nodes'));
  assert.equal(nodePages.length, Math.ceil(nodes / 3), `${nodes} nodes in pages of 3`);
  assert.ok(nodePages.slice(1).every((r) => r.path.includes('continue=')), 'later pages continue the first');
  assert.equal(f.totals.nodes, nodes);
});

test('an API server that keeps failing is a 502 that names it and its answer', async () => {
  cluster.api.server.faults.failNext(10, 500, { resource: 'nodes' });
  try {
    const res = await t.app.inject({ url: '/api/v1/fleet', headers: bearer(viewer) });
    assert.equal(res.statusCode, 502, res.body);
    assert.match(res.json().message, new RegExp(`list nodes: the Kubernetes API at ${cluster.url} answered 500`));
  } finally {
    cluster.api.server.faults.clear();
  }
});

test('without a cluster the fleet is a 503 that says to set KUBECONFIG', async () => {
  const bare = await buildTestApp();
  const res = await bare.app.inject({ url: '/api/v1/fleet', headers: bearer(await bare.token('viewer')) });
  assert.equal(res.statusCode, 503);
  assert.match(res.json().message, /No Kubernetes cluster is configured: set KUBECONFIG/);
});

test('tenant roles cannot read the fleet: it shows every tenant\'s capacity', async () => {
  for (const role of TENANT_ROLES) {
    const res = await t.app.inject({ url: '/api/v1/fleet', headers: bearer(await t.token(role, tenant.id)) });
    assert.equal(res.statusCode, 403, `${role}: ${res.body}`);
  }
});
