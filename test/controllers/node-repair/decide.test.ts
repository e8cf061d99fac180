// decideNodeRepair: grace, brake, blast radius and the time to running again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideNodeRepair, nodeRepairSettings, type NodeRepairObserved, type WorkspacePod } from '../../../controllers/noderepair/decide.ts';

const s = nodeRepairSettings({ graceMs: 60_000, maxUnhealthyShare: 0.3, maxEvictionsPerRun: 3 });
const pod = (name: string, node: string, o: Partial<WorkspacePod> = {}): WorkspacePod => ({ namespace: 'ns', name, uid: `uid-${name}`, node, ready: true, terminating: false, workspaceId: `ws-${name}`, tenantId: 't', ...o });
const world = (failed: { name: string; since: number }[], o: Partial<NodeRepairObserved> = {}): NodeRepairObserved => ({
  now: 100_000,
  nodes: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10'].map((name) => { const f = failed.find((x) => x.name === name); return { name, ready: !f, since: f?.since ?? 0 }; }),
  pods: [pod('a', 'n1'), pod('b', 'n1'), pod('c', 'n2'), pod('d', 'n1'), pod('e', 'n1')],
  moves: [], brakeEngaged: false, ...o,
});
const kinds = (o: NodeRepairObserved) => decideNodeRepair(o, s).map((d) => d.action.type === 'evict' ? `evict ${d.action.pod}` : d.action.type);

test('within the grace period nothing moves; past it the workspaces on that node do, a few per run', () => {
  assert.deepEqual(kinds(world([{ name: 'n1', since: 50_000 }])), []);
  assert.deepEqual(kinds(world([{ name: 'n1', since: 40_000 }])), ['evict a', 'evict b', 'evict d']);
});

test('above the unhealthy share the brake engages and nothing is evicted; it lets go when nodes return', () => {
  const four = ['n1', 'n2', 'n3', 'n4'].map((name) => ({ name, since: 0 }));
  assert.deepEqual(kinds(world(four)), ['brake']);
  assert.deepEqual(kinds(world(four, { brakeEngaged: true })), []);
  assert.deepEqual(kinds(world([{ name: 'n2', since: 0 }], { brakeEngaged: true })), ['brake', 'evict c']);
  assert.deepEqual(kinds(world(['n1', 'n2', 'n3'].map((name) => ({ name, since: 0 })))), ['evict a', 'evict b', 'evict d'], 'exactly 30 % is a node failure (and 3 evictions per run at most)');
});

test('a moved workspace runs again once a ready pod of it is on another node', () => {
  const moves = [{ id: 7, workspaceId: 'ws-a', node: 'n1', movedAt: 90_000 }];
  assert.deepEqual(kinds(world([], { moves, pods: [pod('a2', 'n3', { workspaceId: 'ws-a', ready: false })] })), []);
  const d = decideNodeRepair(world([], { moves, pods: [pod('a2', 'n3', { workspaceId: 'ws-a' })] }), s);
  assert.deepEqual(d.map((x) => x.action), [{ type: 'running-again', moveId: 7, workspaceId: 'ws-a', node: 'n3', movedAt: 90_000 }]);
});
