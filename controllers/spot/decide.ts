// Spot conversion, decided (the Karpenter way: spot where the policy allows, on-demand where
// availability needs it, and interruptions handled before the node goes). Pure.
//
// A unit is one Deployment; its weight is its replicas, or 1 when scaled to zero (a paused
// workspace comes back with one, on whatever capacity its template names). Per workload:
//   spot target   = ⌊weight × min(targetSpotShare + boost, maxSpotShare)⌋
//   on-demand min = ⌈weight × onDemandFloor⌉
// 1. A node with an interruption notice: every spot unit with a pod there moves to on-demand
//    now (the deadline does not wait for a disruption budget), the notice is recorded and
//    its pool held down; when all of them run again off the node, the time it took is stored.
// 2. Then, a few units per run: toward the spot target, never below the on-demand floor,
//    never a unit whose PodDisruptionBudget does not allow its pods to go, never into a
//    held-down pool; and back to on-demand when the target was lowered.
import type { Decision } from '../runtime/types.ts';
import type { CapacityPolicyT } from '../capacity/policy.ts';

export type Capacity = 'spot' | 'on-demand';

export interface SpotUnit {
  namespace: string;
  name: string;
  workload: string;
  region: string | null;
  capacity: Capacity;
  replicas: number;
  readyReplicas: number;
  /** one replica's requests (cores, bytes) */
  requests: { cpu: number; memory: number };
  /** the fewest disruptions the PDBs covering its pods allow; null when none covers them */
  disruptionsAllowed: number | null;
  /** nodes its live (not terminating) pods are on */
  nodes: string[];
  workspaceId?: string;
  tenantId?: string;
}

export interface Notice {
  node: string;
  pool: string;
  region: string | null;
  noticedAt: number;
  deadline: number;
}

export interface InterruptionRecord {
  node: string;
  pool: string;
  noticedAt: number;
  deadline: number;
  workloads: string[];
  movedAt: number | null;
  holdUntil: number;
}

export interface Rates { cpuHour: { onDemand: number; spot: number }; gbHour: { onDemand: number; spot: number } }

export interface SpotObserved {
  now: number;
  policy: CapacityPolicyT['spot'];
  /** the cost guard's raise of every target (0 without one) */
  boost: number;
  units: SpotUnit[];
  notices: Notice[];
  records: InterruptionRecord[];
  /** spot pools by region (a unit can only go to spot where its region has one) */
  spotPools: { pool: string; region: string | null }[];
  rates: Rates | null;
}

export type SpotAction =
  | { type: 'record-interruption'; node: string; pool: string; noticedAt: number; deadline: number; workloads: string[]; holdUntil: number }
  | { type: 'move'; namespace: string; name: string; to: Capacity; why: 'interruption' | 'convert' | 'restore'; node?: string; workspaceId?: string; tenantId?: string }
  | { type: 'interruption-moved'; node: string; noticedAt: number };

export const refOf = (u: Pick<SpotUnit, 'namespace' | 'name'>) => `${u.namespace}/${u.name}`;
export const weightOf = (u: Pick<SpotUnit, 'replicas'>) => Math.max(u.replicas, 1);

/** USD per hour one replica saves on spot against on-demand, from the catalogue's rates. */
export function savingPerReplicaHour(u: Pick<SpotUnit, 'requests'>, r: Rates | null): number | null {
  if (!r) return null;
  const gib = u.requests.memory / 2 ** 30;
  return u.requests.cpu * (r.cpuHour.onDemand - r.cpuHour.spot) + gib * (r.gbHour.onDemand - r.gbHour.spot);
}

export interface WorkloadShare {
  workload: string;
  weight: number;
  spot: number;
  onDemand: number;
  targetShare: number;
  spotTarget: number;
  onDemandMin: number;
}

export function workloadShares(o: Pick<SpotObserved, 'policy' | 'boost' | 'units'>): WorkloadShare[] {
  return o.policy.workloads.map((w) => {
    const units = o.units.filter((u) => u.workload === w.name);
    const weight = units.reduce((n, u) => n + weightOf(u), 0);
    const spot = units.filter((u) => u.capacity === 'spot').reduce((n, u) => n + weightOf(u), 0);
    const targetShare = Math.min(w.targetSpotShare + o.boost, w.maxSpotShare);
    return {
      workload: w.name, weight, spot, onDemand: weight - spot, targetShare,
      spotTarget: Math.floor(weight * targetShare + 1e-9),
      onDemandMin: Math.ceil(weight * w.onDemandFloor - 1e-9),
    };
  });
}

export function decideSpot(o: SpotObserved): Decision<SpotAction>[] {
  const out: Decision<SpotAction>[] = [];
  const moved = new Set<string>();
  const saving = (u: SpotUnit, to: Capacity) => {
    const per = savingPerReplicaHour(u, o.rates);
    return per === null ? null : Number(((to === 'spot' ? 1 : -1) * per * u.replicas).toFixed(6));
  };
  const move = (u: SpotUnit, to: Capacity, why: 'interruption' | 'convert' | 'restore', reason: string, inputs: Record<string, unknown>, node?: string) => {
    moved.add(refOf(u));
    out.push({
      target: { kind: 'Deployment', name: refOf(u), tenantId: u.tenantId ?? null },
      action: { type: 'move', namespace: u.namespace, name: u.name, to, why, ...(node ? { node } : {}), ...(u.workspaceId ? { workspaceId: u.workspaceId, tenantId: u.tenantId } : {}) },
      decision: `move ${refOf(u)} ${u.capacity} → ${to}`,
      reason,
      inputs: { ...inputs, replicas: u.replicas, expectedSavingUsdPerHour: saving(u, to), savingPerReplicaUsdPerHour: savingPerReplicaHour(u, o.rates) },
    });
  };

  // 1. Interruptions.
  const recordOf = new Map(o.records.map((r) => [r.node, r]));
  for (const n of o.notices) {
    const affected = o.units.filter((u) => u.capacity === 'spot' && u.nodes.includes(n.node));
    const record = recordOf.get(n.node);
    if (!record) {
      out.push({
        target: { kind: 'Node', name: n.node },
        action: { type: 'record-interruption', node: n.node, pool: n.pool, noticedAt: n.noticedAt, deadline: n.deadline, workloads: affected.map(refOf), holdUntil: n.noticedAt + o.policy.holdDownMinutes * 60_000 },
        decision: `interruption notice on ${n.node}: move ${affected.length} to on-demand, hold ${n.pool} for ${o.policy.holdDownMinutes} min`,
        reason: `${n.node} (${n.pool}) goes at ${new Date(n.deadline).toISOString()}`,
        inputs: { notice: n, affected: affected.map(refOf) },
      });
    }
    for (const u of affected) {
      move(u, 'on-demand', 'interruption', `${n.node} is being reclaimed; deadline in ${Math.max(0, Math.round((n.deadline - o.now) / 1000))} s`, { notice: n }, n.node);
    }
  }
  for (const r of o.records) {
    if (r.movedAt !== null) continue;
    const units = r.workloads.map((ref) => o.units.find((u) => refOf(u) === ref));
    const done = units.every((u) => !u || (u.capacity === 'on-demand' && u.readyReplicas >= u.replicas && !u.nodes.includes(r.node)));
    if (done && !o.notices.some((n) => n.node === r.node && o.units.some((u) => u.capacity === 'spot' && u.nodes.includes(n.node)))) {
      out.push({
        target: { kind: 'Node', name: r.node },
        action: { type: 'interruption-moved', node: r.node, noticedAt: r.noticedAt },
        decision: `interruption on ${r.node} handled: ${r.workloads.length} moved`,
        reason: `every replica that ran on ${r.node} runs on on-demand capacity elsewhere`,
        inputs: { record: r },
      });
    }
  }

  // 2. Conversion, a few at a time.
  const held = new Set([...o.records.filter((r) => r.holdUntil > o.now).map((r) => r.pool), ...o.notices.map((n) => n.pool)]);
  const spotRegions = new Map<string | null, string[]>();
  for (const p of o.spotPools) spotRegions.set(p.region, [...(spotRegions.get(p.region) ?? []), p.pool]);
  const disruptable = (u: SpotUnit) => u.replicas === 0 || u.disruptionsAllowed === null || u.disruptionsAllowed >= u.replicas;
  const settled = (u: SpotUnit) => u.readyReplicas >= u.replicas;
  let budget = o.policy.movesPerRun;
  for (const share of workloadShares(o)) {
    const units = o.units.filter((u) => u.workload === share.workload && !moved.has(refOf(u)))
      .sort((a, b) => weightOf(a) - weightOf(b) || refOf(a).localeCompare(refOf(b)));
    let spot = share.spot;
    const inputs = () => ({ workload: share.workload, weight: share.weight, spot, targetShare: share.targetShare, spotTarget: share.spotTarget, onDemandMin: share.onDemandMin, boost: o.boost });
    if (spot < share.spotTarget) {
      for (const u of units) {
        if (budget <= 0) break;
        const w = weightOf(u);
        if (u.capacity !== 'on-demand' || !settled(u) || !disruptable(u)) continue;
        const pools = spotRegions.get(u.region) ?? [];
        if (!pools.length || pools.every((p) => held.has(p))) continue;
        if (spot + w > share.spotTarget || share.weight - spot - w < share.onDemandMin) continue;
        move(u, 'spot', 'convert', `${share.workload}: ${spot} of ${share.weight} on spot, target ${share.spotTarget} (${Math.round(share.targetShare * 100)} %); the floor keeps ${share.onDemandMin} on on-demand`, inputs());
        spot += w;
        budget--;
      }
    } else if (spot > share.spotTarget) {
      for (const u of units) {
        if (budget <= 0 || spot <= share.spotTarget) break;
        if (u.capacity !== 'spot' || !settled(u) || !disruptable(u)) continue;
        move(u, 'on-demand', 'restore', `${share.workload}: ${spot} of ${share.weight} on spot, above the target ${share.spotTarget} (${Math.round(share.targetShare * 100)} %)`, inputs());
        spot -= weightOf(u);
        budget--;
      }
    }
  }
  return out;
}
