// The default scheduler's preemption rules and the cluster autoscaler's reading of priority,
// as pure functions: which pods are victims, which node is nominated, what the scheduler
// says when preemption cannot help, and which pending pods a scale-up is for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../sandbox/k8s/types.ts';
import { pickPreemptionNode, preempt, selectVictimsOnNode, splitByBudget, type NodeView } from '../../../sandbox/fleet/preemption.ts';
import { filterNode, unschedulableMessage } from '../../../sandbox/fleet/scheduling.ts';
import { isExpendable, scaleUpCandidates } from '../../../sandbox/fleet/nodes.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function node(name: string, cpu = '8', labels: Record<string, string> = {}): KObject {
  return {
    metadata: { name, labels },
    spec: {},
    status: { allocatable: { cpu, memory: '64Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

let serial = 0;
function pod(cpu: string, priority: number, opts: { node?: string; started?: string; labels?: Record<string, string>; ns?: string; policy?: string; nominated?: string; terminatingByPreemption?: boolean } = {}): KObject {
  return {
    metadata: { name: `p${++serial}`, namespace: opts.ns ?? 'default', labels: opts.labels ?? {}, ...(opts.terminatingByPreemption ? { deletionTimestamp: '2026-01-01T11:59:00Z' } : {}) },
    spec: { priority, preemptionPolicy: opts.policy ?? 'PreemptLowerPriority', nodeName: opts.node, containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] },
    status: {
      phase: opts.node ? 'Running' : 'Pending',
      ...(opts.started ? { startTime: opts.started } : {}),
      ...(opts.nominated ? { nominatedNodeName: opts.nominated } : {}),
      conditions: opts.terminatingByPreemption ? [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] : [],
    },
  };
}

function view(n: KObject, pods: KObject[], preemptor: KObject, nominated: KObject[] = []): NodeView {
  return { node: n, pods, nominated, fit: filterNode(preemptor, n, [...pods, ...nominated]) };
}

function victimsOf(r: ReturnType<typeof selectVictimsOnNode>) {
  assert.ok('pods' in r, `expected victims, got ${JSON.stringify(r)}`);
  return r;
}

test('only as many lower-priority pods as needed are victims, the least important first', () => {
  const n = node('n1');
  const high = pod('2', 5, { node: 'n1' });
  const low = pod('3', -10, { node: 'n1' });
  const lowest = pod('3', -20, { node: 'n1' });
  const preemptor = pod('3', 0);
  const r = victimsOf(selectVictimsOnNode(preemptor, view(n, [high, low, lowest], preemptor), [], NOW));
  assert.deepEqual(r.pods, [lowest]);
  assert.equal(r.pdbViolations, 0);
});

test('among pods of one priority, the one that started last is evicted first', () => {
  const n = node('n1');
  const older = pod('4', -10, { node: 'n1', started: '2026-01-01T10:00:00Z' });
  const newer = pod('4', -10, { node: 'n1', started: '2026-01-01T11:00:00Z' });
  const preemptor = pod('3', 0);
  assert.deepEqual(victimsOf(selectVictimsOnNode(preemptor, view(n, [older, newer], preemptor), [], NOW)).pods, [newer]);
});

test('pods of equal or higher priority are not victims: no preemption victims found', () => {
  const n = node('n1');
  const preemptor = pod('3', 0);
  const r = selectVictimsOnNode(preemptor, view(n, [pod('4', 0, { node: 'n1' }), pod('4', 7, { node: 'n1' })], preemptor), [], NOW);
  assert.deepEqual(r, { fit: { reasons: ['No preemption victims found for incoming pod'], unresolvable: true } });
});

test('a node where evicting every lower-priority pod still leaves too little room is not a candidate', () => {
  const n = node('n1');
  const preemptor = pod('5', 0);
  const r = selectVictimsOnNode(preemptor, view(n, [pod('4', 10, { node: 'n1' }), pod('2', -10, { node: 'n1' })], preemptor), [], NOW);
  assert.deepEqual(r, { fit: { reasons: ['Insufficient cpu'], unresolvable: false } });
});

test('room held for a nominated pod of higher priority is not given away by preemption', () => {
  const n = node('n1');
  const preemptor = pod('3', 0);
  const placeholder = pod('4', -10, { node: 'n1' });
  const other = pod('2', 0, { node: 'n1' });
  // Evicting the placeholder frees 6 of 8 CPUs, unless a pod nominated there waits for 4 of them.
  assert.deepEqual(victimsOf(selectVictimsOnNode(preemptor, view(n, [placeholder, other], preemptor), [], NOW)).pods, [placeholder]);
  const waiting = pod('4', 100, { nominated: 'n1' });
  const r = selectVictimsOnNode(preemptor, view(n, [placeholder, other], preemptor, [waiting]), [], NOW);
  assert.deepEqual(r, { fit: { reasons: ['Insufficient cpu'], unresolvable: false } });
});

test('a pod whose disruption budget allows no disruption is reprieved before one without a budget', () => {
  const n = node('n1');
  // Same priority; the protected one started later, so without budgets it would go first.
  const unprotected = pod('4', -10, { node: 'n1', started: '2026-01-01T10:00:00Z', labels: { app: 'free' } });
  const protectedPod = pod('4', -10, { node: 'n1', started: '2026-01-01T11:00:00Z', labels: { app: 'guarded' } });
  const pdb = { metadata: { name: 'guard', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'guarded' } } }, status: { disruptionsAllowed: 0 } };
  const preemptor = pod('3', 0);
  const r = victimsOf(selectVictimsOnNode(preemptor, view(n, [unprotected, protectedPod], preemptor), [pdb], NOW));
  assert.deepEqual(r.pods, [unprotected]);
  assert.equal(r.pdbViolations, 0);
});

test('a budget does not make a pod untouchable: when only protected pods can make room, they are evicted and counted', () => {
  const n = node('n1');
  const guarded = pod('6', -10, { node: 'n1', labels: { app: 'guarded' } });
  const pdb = { metadata: { name: 'guard', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'guarded' } } }, status: { disruptionsAllowed: 0 } };
  const preemptor = pod('3', 0);
  const r = victimsOf(selectVictimsOnNode(preemptor, view(n, [guarded], preemptor), [pdb], NOW));
  assert.deepEqual(r.pods, [guarded]);
  assert.equal(r.pdbViolations, 1);
});

test('a budget is spent as pods are counted against it, and one in another namespace or with an empty selector matches nothing', () => {
  const a = pod('1', -10, { labels: { app: 'x' } });
  const b = pod('1', -10, { labels: { app: 'x' } });
  const one = { metadata: { name: 'one', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'x' } } }, status: { disruptionsAllowed: 1 } };
  assert.deepEqual(splitByBudget([a, b], [one]), { violating: [b], nonViolating: [a] });
  const elsewhere = { ...one, metadata: { name: 'one', namespace: 'other' }, status: { disruptionsAllowed: 0 } };
  const empty = { metadata: { name: 'all', namespace: 'default' }, spec: { selector: {} }, status: { disruptionsAllowed: 0 } };
  assert.deepEqual(splitByBudget([a], [elsewhere, empty]), { violating: [], nonViolating: [a] });
});

test('the nominated node has the fewest budget violations, then the lowest highest-priority victim, then the fewest victims', () => {
  const v = (pods: KObject[], pdbViolations = 0) => ({ pods, pdbViolations });
  const pick = (...cs: Array<[string, ReturnType<typeof v>]>) => pickPreemptionNode(cs.map(([name, victims]) => ({ node: node(name), victims })), NOW)!.node.metadata.name;
  assert.equal(pick(['a', v([pod('1', -20)], 1)], ['b', v([pod('1', -10)])]), 'b', 'budgets first');
  assert.equal(pick(['a', v([pod('1', -10)])], ['b', v([pod('1', -20), pod('1', -20)])]), 'b', 'a lower highest priority beats fewer victims');
  assert.equal(pick(['a', v([pod('1', -20), pod('1', -20)])], ['b', v([pod('1', -20)])]), 'b', 'then the lower sum: one victim less');
  assert.equal(pick(['a', v([pod('1', -20, { started: '2026-01-01T10:00:00Z' })])], ['b', v([pod('1', -20, { started: '2026-01-01T11:00:00Z' })])]), 'b', 'then the victim that has run the shortest');
  assert.equal(pick(['b', v([pod('1', -20)])], ['a', v([pod('1', -20)])]), 'a', 'a full tie goes to the first node by name');
});

test('preemptionPolicy Never is not eligible, whatever the nodes hold', () => {
  const n = node('n1', '4');
  const preemptor = pod('3', 1000, { policy: 'Never' });
  const r = preempt(preemptor, [view(n, [pod('4', -10, { node: 'n1' })], preemptor)], [], NOW);
  assert.deepEqual(r, { kind: 'none', message: 'not eligible due to preemptionPolicy=Never.', clearNomination: false });
});

test('a pod nominated to a node where its victim is still terminating waits instead of preempting again', () => {
  const n = node('n1', '4');
  const preemptor = pod('3', 0, { nominated: 'n1' });
  const r = preempt(preemptor, [view(n, [pod('4', -10, { node: 'n1', terminatingByPreemption: true }), pod('0', -10, { node: 'n1' })], preemptor)], [], NOW);
  assert.deepEqual(r, { kind: 'none', message: 'not eligible due to a terminating pod on the nominated node.', clearNomination: false });
});

test('a node that fails on the node selector is not helpful; the preemptor is nominated where victims make room', () => {
  const preemptor = pod('3', 0);
  preemptor.spec.nodeSelector = { pool: 'a' };
  const wrongPool = node('n0', '8', { pool: 'b' });
  const full = node('n1', '4', { pool: 'a' });
  const victim = pod('4', -10, { node: 'n1' });
  const r = preempt(preemptor, [view(wrongPool, [], preemptor), view(full, [victim], preemptor)], [], NOW);
  assert.equal(r.kind, 'nominate');
  assert.equal(r.kind === 'nominate' && r.node.metadata.name, 'n1');
  assert.deepEqual(r.kind === 'nominate' && r.victims.pods, [victim]);
});

test('when preemption cannot help, its message counts the nodes by reason, and the nomination is to be cleared', () => {
  const preemptor = pod('3', 0, { nominated: 'n1' });
  preemptor.spec.nodeSelector = { pool: 'a' };
  const views = [
    view(node('n0', '8', { pool: 'b' }), [], preemptor),
    view(node('n1', '4', { pool: 'a' }), [pod('4', 0, { node: 'n1' })], preemptor),
    view(node('n2', '2', { pool: 'a' }), [], preemptor),
  ];
  const r = preempt(preemptor, views, [], NOW);
  assert.deepEqual(r, { kind: 'none', message: '0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.', clearNomination: true });
  // n2 is too small for the pod however empty (Unresolvable), n0 has the wrong label.
  assert.equal(unschedulableMessage(3, views.map((x) => x.fit), r.kind === 'none' ? r.message : ''),
    "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..");
});

test('cordoned, tainted, not-ready and mismatched nodes are unresolvable by eviction; a node merely short of room is not', () => {
  const p = pod('3', 0);
  p.spec.nodeSelector = { pool: 'a' };
  const cordoned = { ...node('c', '8', { pool: 'a' }), spec: { unschedulable: true } };
  const tainted = { ...node('t', '8', { pool: 'a' }), spec: { taints: [{ key: 'pilothouse.io/spot', value: 'true', effect: 'NoSchedule' }] } };
  const notReady = { ...node('r', '8', { pool: 'a' }), status: { ...node('r').status, conditions: [{ type: 'Ready', status: 'False' }] } };
  assert.deepEqual(filterNode(p, cordoned, []), { reasons: ['node(s) were unschedulable'], unresolvable: true });
  assert.deepEqual(filterNode(p, tainted, []), { reasons: ['node(s) had untolerated taint {pilothouse.io/spot: true}'], unresolvable: true });
  assert.deepEqual(filterNode(p, notReady, []), { reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'], unresolvable: true });
  assert.deepEqual(filterNode(p, node('m', '8', { pool: 'b' }), []), { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true });
  assert.deepEqual(filterNode(p, node('s', '4', { pool: 'a' }), [pod('2', 0)]), { reasons: ['Insufficient cpu'], unresolvable: false });
  assert.deepEqual(filterNode(p, node('s', '4', { pool: 'a' }), []), { reasons: [], unresolvable: false });
});

test('the scheduler message counts every resource a node is short of and sorts the counts as text', () => {
  const preemptor = { ...pod('3', 0), spec: { ...pod('3', 0).spec, containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '3', memory: '100Gi' } } }] } };
  const fits = [filterNode(preemptor, node('n1', '2'), []), filterNode(preemptor, node('n2', '8'), [])];
  assert.deepEqual(fits[0], { reasons: ['Insufficient cpu', 'Insufficient memory'], unresolvable: true });
  assert.equal(unschedulableMessage(2, fits), '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.');
});

test('the cluster autoscaler scales up for pods at the cutoff, not below it, and not for pods nominated to an existing node', () => {
  const atCutoff = pod('1', -10);
  const below = pod('1', -11);
  const nominatedHere = pod('1', 0, { nominated: 'n1' });
  const nominatedGone = pod('1', 0, { nominated: 'gone' });
  assert.equal(isExpendable(atCutoff), false);
  assert.equal(isExpendable(below), true);
  assert.deepEqual(scaleUpCandidates([atCutoff, below, nominatedHere, nominatedGone], new Set(['n1'])), [atCutoff, nominatedGone]);
});
