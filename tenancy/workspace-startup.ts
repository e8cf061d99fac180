// Workspace starts and their startup latency, read from the `workspace_startups` view (the
// one definition of a start, db/migrations/20261203000000_shared_rules.sql): a creation
// (→ pending) or a resume or retry (→ starting from anything but pending), timed until the
// workspace first leaves pending/starting. The startup SLO, the autoscaler and the API read it.
import type { Queryable } from '../db/pool.ts';

export interface Startup {
  requestedAt: Date;
  runningAt: Date;
  seconds: number;
}

export interface Start {
  tenantId: string;
  workspaceId: string;
  at: Date;
  region: string;
  nodePool: 'on-demand' | 'spot';
  resourceFactor: number;
  /** a creation, rather than a resume or retry */
  created: boolean;
}

/** Every start of the workspace that reached running, oldest first. */
export async function startups(db: Queryable, tenantId: string, workspaceId: string): Promise<Startup[]> {
  const { rows } = await db.query(
    `SELECT requested_at, ended_at, seconds FROM workspace_startups
      WHERE tenant_id = $1 AND workspace_id = $2 AND outcome = 'running'
      ORDER BY requested_at, transition_id`,
    [tenantId, workspaceId],
  );
  return rows.map((r) => ({ requestedAt: r.requested_at, runningAt: r.ended_at, seconds: r.seconds }));
}

/** Starts requested in [from, to], every tenant's. */
export async function startsBetween(db: Queryable, from: Date, to: Date): Promise<Start[]> {
  const { rows } = await db.query(
    `SELECT tenant_id, workspace_id, requested_at, region, node_pool, resource_factor, created
       FROM workspace_startups WHERE requested_at >= $1 AND requested_at <= $2
      ORDER BY requested_at, transition_id`,
    [from, to],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, workspaceId: r.workspace_id, at: r.requested_at, region: r.region, nodePool: r.node_pool, resourceFactor: r.resource_factor, created: r.created }));
}

/** Base-unit starts (resource factor summed) per region, node pool and epoch hour in [from, to]: the warm pool's forecast history. */
export async function startsPerHour(db: Queryable, from: Date, to: Date): Promise<{ region: string; nodePool: string; hour: number; units: number }[]> {
  const { rows } = await db.query(
    `SELECT region, node_pool, floor(extract(epoch FROM requested_at) / 3600)::bigint AS hour, sum(resource_factor)::int AS units
       FROM workspace_startups WHERE requested_at >= $1 AND requested_at <= $2
      GROUP BY 1, 2, 3`,
    [from, to],
  );
  return rows.map((r) => ({ region: r.region, nodePool: r.node_pool, hour: Number(r.hour), units: r.units }));
}
