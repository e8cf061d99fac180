// What the capacity controllers have done, as the API and console show it: spot
// interruptions handled (spot_interruptions), workspaces moved off failed nodes
// (workspace_moves) and the node-repair brake (node_repair_brake).
import type { Queryable } from '../../db/pool.ts';

export interface InterruptionRow { node: string; pool: string; noticedAt: Date; deadline: Date; replicas: number; workloads: string[]; movedAt: Date | null; tookMs: number | null; holdUntil: Date }
export interface MoveRow { workspaceId: string; tenantId: string; node: string; pod: string; reason: string; movedAt: Date; runningAt: Date | null; newNode: string | null; tookMs: number | null }
export interface BrakeRow { engaged: boolean; failing: number; total: number; changedAt: Date }

export async function recentInterruptions(db: Queryable, limit = 20): Promise<InterruptionRow[]> {
  const { rows } = await db.query(`SELECT * FROM spot_interruptions ORDER BY noticed_at DESC LIMIT $1`, [limit]);
  return rows.map((r) => ({ node: r.node, pool: r.pool, noticedAt: r.noticed_at, deadline: r.deadline, replicas: r.replicas, workloads: r.workloads, movedAt: r.moved_at, tookMs: r.took_ms, holdUntil: r.hold_until }));
}

export async function recentMoves(db: Queryable, limit = 20): Promise<MoveRow[]> {
  const { rows } = await db.query(`SELECT * FROM workspace_moves ORDER BY moved_at DESC LIMIT $1`, [limit]);
  return rows.map((m) => ({ workspaceId: m.workspace_id, tenantId: m.tenant_id, node: m.node, pod: m.pod, reason: m.reason, movedAt: m.moved_at, runningAt: m.running_at, newNode: m.new_node, tookMs: m.took_ms }));
}

export async function nodeRepairBrake(db: Queryable): Promise<BrakeRow | null> {
  const { rows } = await db.query(`SELECT * FROM node_repair_brake`);
  return rows[0] ? { engaged: rows[0].engaged, failing: rows[0].failing, total: rows[0].total, changedAt: rows[0].changed_at } : null;
}
