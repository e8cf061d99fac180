// decideSpot and the capacity policy, case by case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSpot, workloadShares, type SpotObserved, type SpotUnit } from '../../../controllers/spot/decide.ts';
import { defaultCapacityPolicy, parseCapacityPolicy } from '../../../controllers/capacity/policy.ts';

const unit = (name: string, capacity: 'spot' | 'on-demand', o: Partial<SpotUnit> = {}): SpotUnit => ({
  namespace: 'ns', name, workload: 'w', region: 'r1', capacity, replicas: 1, readyReplicas: 1, requests: { cpu: 1, memory: 2 ** 30 }, disruptionsAllowed: null, nodes: [`${capacity}-node`], ...o,
});
const world = (units: SpotUnit[], o: Partial<SpotObserved> = {}): SpotObserved => ({
  now: 1_000_000,
  policy: { workloads: [{ name: 'w', selector: { matchLabels: { app: 'x' } }, onDemandFloor: 0.3, targetSpotShare: 0.5, maxSpotShare: 0.7 }], movesPerRun: 2, holdDownMinutes: 30 },
  boost: 0, units, notices: [], records: [], spotPools: [{ pool: 'r1-spot', region: 'r1' }], rates: { cpuHour: { onDemand: 0.04, spot: 0.01 }, gbHour: { onDemand: 0.005, spot: 0.002 } }, ...o,
});
const moves = (o: SpotObserved) => decideSpot(o).filter((d) => d.action.type === 'move').map((d) => d.decision);

test('toward the target a few per run, smallest first, with the expected saving', () => {
  const units = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => unit(n, 'on-demand'));
  const d = decideSpot(world(units));
  assert.deepEqual(d.map((x) => x.decision), ['move ns/a on-demand → spot', 'move ns/b on-demand → spot']);
  assert.equal(d[0]!.inputs.expectedSavingUsdPerHour, 0.033);
});

test('never below the on-demand floor, even with a boost past the maximum', () => {
  const units = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((n, i) => unit(n, i < 7 ? 'spot' : 'on-demand'));
  assert.deepEqual(moves(world(units, { boost: 0.5 })), []);
  const [share] = workloadShares(world(units, { boost: 0.5 }));
  assert.deepEqual([share!.spotTarget, share!.onDemandMin], [7, 3]);
});

test('a PDB that allows no disruption, an unsettled rollout or a held-down pool keeps a unit where it is', () => {
  const units = [unit('a', 'on-demand', { disruptionsAllowed: 0 }), unit('b', 'on-demand', { readyReplicas: 0 }), unit('c', 'on-demand'), unit('d', 'on-demand')];
  assert.deepEqual(moves(world(units)), ['move ns/c on-demand → spot', 'move ns/d on-demand → spot']);
  assert.deepEqual(moves(world(units, { records: [{ node: 'n', pool: 'r1-spot', noticedAt: 0, deadline: 1, workloads: [], movedAt: 1, holdUntil: 1_000_001 }] })), []);
  // Scaled to zero: no pod to disrupt, whatever the budget says.
  assert.deepEqual(moves(world([unit('p', 'on-demand', { replicas: 0, readyReplicas: 0, disruptionsAllowed: 0 }), unit('q', 'on-demand')])), ['move ns/p on-demand → spot']);
});

test('an interruption moves every spot unit on that node at once, past PDBs and the per-run limit, and records the notice', () => {
  const units = ['a', 'b', 'c'].map((n) => unit(n, 'spot', { nodes: ['doomed'], disruptionsAllowed: 0 }));
  const d = decideSpot(world([...units, unit('z', 'spot', { nodes: ['other'] })], { notices: [{ node: 'doomed', pool: 'r1-spot', region: 'r1', noticedAt: 999_000, deadline: 1_119_000 }] }));
  assert.equal(d[0]!.action.type, 'record-interruption');
  assert.deepEqual((d[0]!.action as { workloads: string[] }).workloads, ['ns/a', 'ns/b', 'ns/c']);
  assert.deepEqual(d.slice(1, 4).map((x) => x.decision), ['move ns/a spot → on-demand', 'move ns/b spot → on-demand', 'move ns/c spot → on-demand']);
});

test('an interruption is done once its units run on on-demand, off the node', () => {
  const record = { node: 'doomed', pool: 'r1-spot', noticedAt: 0, deadline: 120_000, workloads: ['ns/a'], movedAt: null, holdUntil: 9e9 };
  assert.deepEqual(decideSpot(world([unit('a', 'on-demand', { readyReplicas: 0, nodes: [] })], { records: [record] })).map((d) => d.action.type), []);
  assert.deepEqual(decideSpot(world([unit('a', 'on-demand', { nodes: ['od-1'] })], { records: [record] })).map((d) => d.action.type), ['interruption-moved']);
});

test('a lowered target moves units back to on-demand', () => {
  const units = ['a', 'b', 'c', 'd'].map((n, i) => unit(n, i < 3 ? 'spot' : 'on-demand'));
  assert.deepEqual(moves(world(units)), ['move ns/a spot → on-demand']);
});

test('the shipped policy is valid; a policy whose maximum breaks its floor is refused with the reason', () => {
  assert.ok(defaultCapacityPolicy().spot.workloads.length >= 1);
  const p = defaultCapacityPolicy();
  p.spot.workloads[0]!.maxSpotShare = 0.9;
  assert.throws(() => parseCapacityPolicy(p), /maxSpotShare 0.9 would break the on-demand floor 0.3/);
  assert.throws(() => parseCapacityPolicy({ ...p, spot: { ...p.spot, movesPerRun: 0 } }), /movesPerRun/);
});
