// Node failure, decided (as Cluster API's MachineHealthCheck and the roadmap's
// FailoverManager): a node NotReady past the grace period has its workspace pods deleted
// (forced: no kubelet will confirm a graceful delete), so their Deployments start them on
// healthy nodes and their volumes attach there. When more than `maxUnhealthyShare` of the
// nodes fail at once it is an outage, not a node failure: the brake holds every eviction
// (MachineHealthCheck's maxUnhealthy) until enough nodes are back. Pure.
import type { Decision } from '../runtime/types.ts';

export interface NodeObserved {
  name: string;
  ready: boolean;
  /** when Ready last changed (ms) */
  since: number;
}

export interface WorkspacePod {
  namespace: string;
  name: string;
  uid: string;
  node: string | null;
  ready: boolean;
  terminating: boolean;
  workspaceId: string;
  tenantId: string;
}

export interface OpenMove { id: number; workspaceId: string; node: string; movedAt: number }

export interface NodeRepairObserved {
  now: number;
  nodes: NodeObserved[];
  pods: WorkspacePod[];
  moves: OpenMove[];
  brakeEngaged: boolean;
}

export interface NodeRepairSettings {
  /** NotReady this long before its workspaces are moved */
  graceMs: number;
  /** above this share of nodes NotReady, nothing is evicted */
  maxUnhealthyShare: number;
  /** evictions per run at most (a blast-radius limit below the brake) */
  maxEvictionsPerRun: number;
}

export const DEFAULT_NODE_REPAIR: NodeRepairSettings = { graceMs: 60_000, maxUnhealthyShare: 0.3, maxEvictionsPerRun: 20 };
export const NODE_REPAIR_BOUNDS: Record<keyof NodeRepairSettings, [number, number]> = {
  graceMs: [5_000, 3_600_000],
  maxUnhealthyShare: [0, 1],
  maxEvictionsPerRun: [1, 500],
};

export function nodeRepairSettings(p: Partial<NodeRepairSettings> = {}): NodeRepairSettings {
  const s = { ...DEFAULT_NODE_REPAIR, ...p };
  for (const [k, [lo, hi]] of Object.entries(NODE_REPAIR_BOUNDS) as [keyof NodeRepairSettings, [number, number]][]) {
    if (!Number.isFinite(s[k]) || s[k] < lo || s[k] > hi) throw new Error(`node repair setting ${k} must be between ${lo} and ${hi}, got ${s[k]}`);
  }
  return s;
}

export type NodeRepairAction =
  | { type: 'brake'; engaged: boolean; failing: number; total: number }
  | { type: 'evict'; namespace: string; pod: string; uid: string; node: string; workspaceId: string; tenantId: string; notReadyForMs: number }
  | { type: 'running-again'; moveId: number; workspaceId: string; node: string; movedAt: number };

export function decideNodeRepair(o: NodeRepairObserved, s: NodeRepairSettings): Decision<NodeRepairAction>[] {
  const out: Decision<NodeRepairAction>[] = [];
  const failing = o.nodes.filter((n) => !n.ready);
  const total = o.nodes.length;
  const share = total ? failing.length / total : 0;
  const outage = share > s.maxUnhealthyShare;
  const brake = { failing: failing.length, total, share: Number(share.toFixed(3)), maxUnhealthyShare: s.maxUnhealthyShare };
  if (outage !== o.brakeEngaged) {
    out.push({
      target: { kind: 'Fleet', name: 'node-repair-brake' },
      action: { type: 'brake', engaged: outage, failing: failing.length, total },
      decision: outage ? 'engage the node-repair brake' : 'release the node-repair brake',
      reason: outage
        ? `${failing.length} of ${total} nodes are NotReady (${Math.round(share * 100)} % > ${Math.round(s.maxUnhealthyShare * 100)} %): an outage, not a node failure; nothing is evicted`
        : `${failing.length} of ${total} nodes are NotReady, within ${Math.round(s.maxUnhealthyShare * 100)} %`,
      inputs: brake,
    });
  }
  if (!outage) {
    let budget = s.maxEvictionsPerRun;
    for (const n of failing) {
      const forMs = o.now - n.since;
      if (forMs < s.graceMs) continue;
      for (const p of o.pods.filter((x) => x.node === n.name)) {
        if (budget-- <= 0) break;
        out.push({
          target: { kind: 'Workspace', name: p.workspaceId, tenantId: p.tenantId },
          action: { type: 'evict', namespace: p.namespace, pod: p.name, uid: p.uid, node: n.name, workspaceId: p.workspaceId, tenantId: p.tenantId, notReadyForMs: forMs },
          decision: `move workspace ${p.workspaceId} off ${n.name} (delete pod ${p.namespace}/${p.name})`,
          reason: `${n.name} has been NotReady for ${Math.round(forMs / 1000)} s (grace ${Math.round(s.graceMs / 1000)} s); its Deployment starts the workspace on a healthy node`,
          inputs: { node: n.name, notReadyForMs: forMs, ...brake },
        });
      }
    }
  }
  // A moved workspace is running again once a ready pod of it is on another node.
  for (const m of o.moves) {
    const pod = o.pods.find((p) => p.workspaceId === m.workspaceId && p.ready && !p.terminating && p.node !== null && p.node !== m.node);
    if (!pod) continue;
    out.push({
      target: { kind: 'Workspace', name: m.workspaceId },
      action: { type: 'running-again', moveId: m.id, workspaceId: m.workspaceId, node: pod.node!, movedAt: m.movedAt },
      decision: `workspace ${m.workspaceId} runs again on ${pod.node}`,
      reason: `moved off ${m.node}; its pod ${pod.name} is ready`,
      inputs: { move: m, pod: pod.name },
    });
  }
  return out;
}
