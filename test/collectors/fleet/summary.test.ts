// The fleet summary as a pure function: nodes and pods as the Kubernetes client returns them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { summarizeFleet, type FleetSummary } from '../../../collectors/fleet/summary.ts';
import { podRequests } from '../../../kube/pod-requests.ts';
import type { RatesT } from '../../../collectors/cost/catalog.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const GI = 2 ** 30;

function node(name: string, o: { region?: string; zone?: string; pool?: string; spot?: boolean; cpu?: string; memory?: string; price?: string; ready?: boolean; cordoned?: boolean; created?: string; labels?: Record<string, string> } = {}): V1Node {
  return {
    metadata: {
      name,
      creationTimestamp: new Date(o.created ?? '2026-11-28T11:00:00Z'),
      labels: {
        ...(o.region ? { 'topology.kubernetes.io/region': o.region } : {}),
        ...(o.zone ? { 'topology.kubernetes.io/zone': o.zone } : {}),
        ...(o.pool ? { 'pilothouse.io/pool': o.pool } : {}),
        ...(o.spot ? { 'karpenter.sh/capacity-type': 'spot' } : {}),
        'node.kubernetes.io/instance-type': 'm6i.4xlarge',
        ...o.labels,
      },
      annotations: o.price ? { 'pilothouse.io/price-per-hour': o.price } : {},
    },
    spec: { unschedulable: o.cordoned },
    status: {
      capacity: { cpu: '16', memory: '64Gi' },
      allocatable: { cpu: o.cpu ?? '15900m', memory: o.memory ?? '63Gi' },
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function pod(name: string, o: { node?: string; phase?: string; cpu?: string; memory?: string; workspace?: boolean; region?: string; unschedulable?: boolean; init?: { cpu: string; sidecar?: boolean }[] } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'tenant-x', labels: o.workspace ? { 'pilothouse.io/workspace': name } : {} },
    spec: {
      nodeName: o.node,
      nodeSelector: o.region ? { 'topology.kubernetes.io/region': o.region } : undefined,
      containers: [{ name: 'c', resources: { requests: { cpu: o.cpu ?? '500m', memory: o.memory ?? '3Gi' } } }],
      initContainers: o.init?.map((c, i) => ({ name: `i${i}`, restartPolicy: c.sidecar ? 'Always' : undefined, resources: { requests: { cpu: c.cpu } } })),
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.unschedulable ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] : [],
    },
  };
}

const region = (s: FleetSummary, name: string) => s.regions.find((r) => r.name === name)!;

test('nodes are grouped by region, then by node pool with its capacity type, instance type and node price', () => {
  const s = summarizeFleet([
    node('a1', { region: 'eu', pool: 'eu-od', price: '0.768' }),
    node('a2', { region: 'eu', pool: 'eu-od', price: '0.768' }),
    node('b1', { region: 'eu', pool: 'eu-spot', spot: true, price: '0.291' }),
    node('c1', { region: 'us', pool: 'us-od', price: '0.768' }),
  ], [], { now: NOW });
  assert.deepEqual(s.regions.map((r) => r.name), ['eu', 'us']);
  assert.deepEqual(region(s, 'eu').pools.map((p) => [p.name, p.capacityType, p.instanceTypes, p.pricePerNodeHour, p.nodes.map((n) => n.name)]), [
    ['eu-od', 'on-demand', ['m6i.4xlarge'], 0.768, ['a1', 'a2']],
    ['eu-spot', 'spot', ['m6i.4xlarge'], 0.291, ['b1']],
  ]);
});

test('a node\'s requested cpu and memory add up the non-terminated pods bound to it', () => {
  const s = summarizeFleet([node('a1', { region: 'eu' })], [
    pod('p1', { node: 'a1', cpu: '500m', memory: '3Gi' }),
    pod('p2', { node: 'a1', cpu: '1', memory: '1Gi', phase: 'Pending' }),
    pod('done', { node: 'a1', cpu: '4', memory: '8Gi', phase: 'Succeeded' }),
    pod('failed', { node: 'a1', cpu: '4', memory: '8Gi', phase: 'Failed' }),
  ], { now: NOW });
  const n = region(s, 'eu').pools[0]!.nodes[0]!;
  assert.deepEqual([n.cpuRequested, n.memoryRequestedBytes, n.pods], [1.5, 4 * GI, 2]);
  assert.equal(n.cpuUtilisation, 1.5 / 15.9);
  assert.equal(n.memoryUtilisation, 4 / 63);
});

test('a pod reserves the larger of its containers and its biggest init step, sidecars included', () => {
  assert.equal(podRequests(pod('p', { cpu: '500m', init: [{ cpu: '2' }] })).cpu, 2);
  assert.equal(podRequests(pod('p', { cpu: '500m', init: [{ cpu: '100m' }] })).cpu, 0.5);
  // a sidecar runs beside the containers, and beside the init containers declared after it
  assert.equal(podRequests(pod('p', { cpu: '500m', init: [{ cpu: '250m', sidecar: true }] })).cpu, 0.75);
  assert.equal(podRequests(pod('p', { cpu: '500m', init: [{ cpu: '250m', sidecar: true }, { cpu: '1' }] })).cpu, 1.25);
});

test('region totals compare requested with allocatable cpu and memory across all its nodes', () => {
  const s = summarizeFleet([
    node('a1', { region: 'eu', cpu: '4', memory: '16Gi' }),
    node('a2', { region: 'eu', cpu: '4', memory: '16Gi' }),
  ], [pod('p1', { node: 'a1', cpu: '2', memory: '4Gi' }), pod('p2', { node: 'a2', cpu: '1', memory: '4Gi' })], { now: NOW });
  const t = region(s, 'eu').totals;
  assert.deepEqual([t.nodes, t.cpuAllocatable, t.cpuRequested, t.cpuUtilisation], [2, 8, 3, 3 / 8]);
  assert.deepEqual([t.memoryAllocatableBytes, t.memoryRequestedBytes, t.memoryUtilisation], [32 * GI, 8 * GI, 0.25]);
});

test('spot share is the spot nodes\' allocatable cpu over all allocatable cpu in the region', () => {
  const s = summarizeFleet([
    node('od', { region: 'eu', cpu: '12' }),
    node('sp', { region: 'eu', cpu: '4', spot: true }),
    node('us', { region: 'us', cpu: '8' }),
  ], [], { now: NOW });
  assert.equal(region(s, 'eu').totals.spotCpuShare, 0.25);
  assert.equal(region(s, 'us').totals.spotCpuShare, 0);
  assert.equal(s.totals.spotCpuShare, 4 / 24);
});

test('spot capacity is recognised from the EKS, GKE and AKS labels as well as Karpenter\'s', () => {
  const s = summarizeFleet([
    node('eks', { region: 'r', labels: { 'eks.amazonaws.com/capacityType': 'SPOT', 'eks.amazonaws.com/nodegroup': 'ng' } }),
    node('gke', { region: 'r', labels: { 'cloud.google.com/gke-spot': 'true', 'cloud.google.com/gke-nodepool': 'np' } }),
    node('aks', { region: 'r', labels: { 'kubernetes.azure.com/scalesetpriority': 'spot', 'kubernetes.azure.com/agentpool': 'ap' } }),
    node('plain', { region: 'r' }),
  ], [], { now: NOW });
  assert.deepEqual(region(s, 'r').pools.map((p) => [p.name, p.capacityType]), [['ap', 'spot'], ['ng', 'spot'], ['np', 'spot'], ['on-demand', 'on-demand']]);
});

test('workspace pods count as running or pending in the region of their node or of their node selector', () => {
  const s = summarizeFleet([node('a1', { region: 'eu' })], [
    pod('ws-run', { node: 'a1', workspace: true }),
    pod('ws-start', { node: 'a1', workspace: true, phase: 'Pending' }),
    pod('ws-wait', { workspace: true, phase: 'Pending', region: 'us', unschedulable: true }),
    pod('not-a-workspace', { node: 'a1' }),
  ], { now: NOW });
  assert.deepEqual([region(s, 'eu').totals.workspacePodsRunning, region(s, 'eu').totals.workspacePodsPending], [1, 1]);
  // a region with no node yet still shows the pods waiting for one
  assert.deepEqual([region(s, 'us').totals.nodes, region(s, 'us').totals.workspacePodsPending, region(s, 'us').totals.unschedulablePods], [0, 1, 1]);
  assert.deepEqual([s.totals.workspacePodsRunning, s.totals.workspacePodsPending], [1, 2]);
});

test('unschedulable pods are counted whoever owns them; those asking for no region are counted apart', () => {
  const s = summarizeFleet([node('a1', { region: 'eu' })], [
    pod('placeholder', { phase: 'Pending', region: 'eu', unschedulable: true }),
    pod('anywhere', { phase: 'Pending', unschedulable: true, workspace: true }),
    pod('just-created', { phase: 'Pending', region: 'eu' }),
  ], { now: NOW });
  assert.equal(region(s, 'eu').totals.unschedulablePods, 1);
  assert.deepEqual(s.noRegion, { workspacePodsPending: 1, unschedulablePods: 1 });
  assert.equal(s.totals.unschedulablePods, 2);
});

test('a required node affinity naming one region places a pending pod in that region', () => {
  const p = pod('ws', { workspace: true, phase: 'Pending' });
  p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/region', operator: 'In', values: ['eu'] }] }] } } };
  const s = summarizeFleet([node('a1', { region: 'eu' })], [p], { now: NOW });
  assert.equal(region(s, 'eu').totals.workspacePodsPending, 1);
});

test('node cost per hour uses the price annotation, else the catalogue rates × capacity, else counts the node unpriced', () => {
  const rates: RatesT = { cpuHour: { onDemand: '0.04', spot: '0.012' }, gbHour: { onDemand: '0.005', spot: '0.0015' }, storageGbMonth: '0.1' };
  const nodes = [node('annotated', { region: 'eu', price: '0.768' }), node('od', { region: 'eu' }), node('sp', { region: 'eu', spot: true })];
  const priced = summarizeFleet(nodes, [], { now: NOW, rates });
  const all = priced.regions[0]!.pools.flatMap((p) => p.nodes);
  assert.deepEqual(all.map((n) => [n.name, n.pricePerHour, n.priceSource]), [
    ['annotated', 0.768, 'annotation'],
    ['od', 0.96, 'catalogue'], // 16 cores × 0.04 + 64 GiB × 0.005
    ['sp', 0.288, 'catalogue'], // 16 × 0.012 + 64 × 0.0015
  ]);
  assert.equal(priced.regions[0]!.totals.costPerHour, 2.016);
  const unpriced = summarizeFleet(nodes, [], { now: NOW });
  assert.deepEqual([unpriced.totals.costPerHour, unpriced.totals.unpricedNodes], [0.768, 2]);
});

test('a pool whose nodes cost different prices has no single node price but sums its cost', () => {
  const s = summarizeFleet([node('a', { region: 'eu', pool: 'p', price: '1' }), node('b', { region: 'eu', pool: 'p', price: '0.5' })], [], { now: NOW });
  assert.deepEqual([s.regions[0]!.pools[0]!.pricePerNodeHour, s.regions[0]!.pools[0]!.costPerHour], [null, 1.5]);
});

test('ready, cordoned and age come from the node\'s condition, spec and creation time', () => {
  const s = summarizeFleet([
    node('ok', { region: 'eu', created: '2026-11-28T11:30:00Z' }),
    node('drained', { region: 'eu', cordoned: true }),
    node('lost', { region: 'eu', ready: false }),
  ], [], { now: NOW });
  const byName = Object.fromEntries(s.regions[0]!.pools[0]!.nodes.map((n) => [n.name, n]));
  assert.deepEqual([byName.ok!.ready, byName.ok!.cordoned, byName.ok!.ageSeconds], [true, false, 1800]);
  assert.equal(byName.drained!.cordoned, true);
  assert.equal(byName.lost!.ready, false);
  assert.deepEqual([s.totals.readyNodes, s.totals.cordonedNodes], [2, 1]);
});

test('nodes that name no region are grouped under "unknown", not dropped', () => {
  const s = summarizeFleet([node('bare')], [], { now: NOW });
  assert.deepEqual(s.regions.map((r) => [r.name, r.totals.nodes]), [['unknown', 1]]);
});

test('an empty fleet has no regions and no utilisation rather than a division by zero', () => {
  const s = summarizeFleet([], [], { now: NOW });
  assert.deepEqual(s.regions, []);
  assert.deepEqual([s.totals.cpuUtilisation, s.totals.spotCpuShare, s.totals.costPerHour], [null, null, 0]);
});
