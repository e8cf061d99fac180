// The human (and API) side of the lifecycle: create, pause, resume. Starting anything goes
// through quota admission in the same transaction that records it, under the tenant's row
// lock. The lifecycle controller then makes the cluster match the new state.
import { withTransaction, type Db } from '../db/pool.ts';
import { ConflictError } from '../tenancy/errors.ts';
import { createWorkspace, getWorkspace, transitionWorkspace, type NewWorkspace, type Workspace } from '../tenancy/workspaces.ts';
import { admit, checkAdmission, lockTenant } from './quota.ts';
import { startRequest } from './usage.ts';

/** Creates a workspace (pending: the controller starts it) if the tenant's quota allows one more. */
export function createAdmitted(db: Db, w: NewWorkspace): Promise<Workspace> {
  return withTransaction(db, async (client) => {
    await admit(client, w.tenantId, startRequest(w.resourceFactor ?? 1, true));
    return createWorkspace(client, w);
  });
}

/** Stops the sandbox and keeps the volume. Pausing a paused workspace changes nothing. */
export async function pauseWorkspace(db: Db, tenantId: string, id: string, actor: string, reason = 'paused by request'): Promise<Workspace> {
  const ws = await getWorkspace(db, tenantId, id);
  if (ws.state === 'paused') return ws;
  if (ws.state === 'archived' || ws.state === 'pending') {
    throw new ConflictError(`workspace ${id} is ${ws.state} and cannot be paused${ws.state === 'pending' ? '; wait until it is starting or running, or delete it' : ''}`);
  }
  return transitionWorkspace(db, tenantId, id, { to: 'paused', reason, actor, expectedVersion: ws.version });
}

/**
 * Starts a paused (or failed) workspace again if the quota allows its CPU and memory (its
 * volume is already counted). Resuming one already starting or running changes nothing.
 */
export function resumeWorkspace(db: Db, tenantId: string, id: string, actor: string): Promise<Workspace> {
  return withTransaction(db, async (client) => {
    // The state is read under the tenant lock: of two concurrent resumes of one workspace,
    // the second sees it starting and changes nothing.
    const locked = await lockTenant(client, tenantId);
    const ws = await getWorkspace(client, tenantId, id);
    if (ws.state === 'archived') throw new ConflictError(`workspace ${id} is archived and cannot be resumed; create a new workspace`);
    if (ws.state !== 'paused' && ws.state !== 'error') return ws;
    await checkAdmission(client, locked, startRequest(ws.resourceFactor, false));
    return transitionWorkspace(client, tenantId, id, {
      to: 'starting', reason: ws.state === 'error' ? 'restarted by request' : 'resumed by request', actor, expectedVersion: ws.version,
    });
  });
}

/** Marks a workspace active now (the idle reaper counts idleness from its last activity). */
export async function touchWorkspace(db: Db, tenantId: string, id: string): Promise<Workspace> {
  const { rowCount } = await db.query(
    `UPDATE workspaces SET last_activity_at = greatest(coalesce(last_activity_at, now()), now()) WHERE tenant_id = $1 AND id = $2 AND state <> 'archived'`,
    [tenantId, id],
  );
  const ws = await getWorkspace(db, tenantId, id);
  if (rowCount === 0) throw new ConflictError(`workspace ${id} is archived; activity can no longer be recorded`);
  return ws;
}

/**
 * Brings an archived workspace back from the VolumeSnapshot taken when it was archived
 * (`snapshot`, checked ready by the caller): pending again, admitted like a new workspace,
 * its volume created from the snapshot by the lifecycle controller.
 */
export function restoreArchived(db: Db, tenantId: string, id: string, actor: string, snapshot: string): Promise<Workspace> {
  return withTransaction(db, async (client) => {
    const locked = await lockTenant(client, tenantId);
    const ws = await getWorkspace(client, tenantId, id);
    if (ws.state !== 'archived') throw new ConflictError(`workspace ${id} is ${ws.state}, not archived: there is nothing to restore`);
    await checkAdmission(client, locked, startRequest(ws.resourceFactor, true));
    await client.query(`UPDATE workspaces SET restored_from = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, snapshot]);
    return transitionWorkspace(client, tenantId, id, { to: 'pending', reason: `restored from VolumeSnapshot ${snapshot}`, actor, expectedVersion: ws.version });
  });
}
