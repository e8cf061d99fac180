// The remediations table: one row per alert and policy, from request to verification.
import type { Queryable } from '../../db/pool.ts';
import type { ObservedRemediation, RemediationStatus } from './decide.ts';

const COLUMNS = `id::int, alert_id::int AS "alertId", policy, action, target, kind, params, status, dry_run AS "dryRun", risky,
  requested_by AS "requestedBy", requested_at AS "requestedAt", expires_at AS "expiresAt", decided_by AS "decidedBy", decided_at AS "decidedAt",
  decision_note AS "decisionNote", applied_at AS "appliedAt", verify_at AS "verifyAt", verified_at AS "verifiedAt", result, error,
  runbook_url AS "runbookUrl", epoch::int`;

export interface RemediationRow extends ObservedRemediation {
  risky: boolean;
  requestedBy: string;
  decidedBy: string | null;
  decisionNote: string | null;
  verifiedAt: Date | null;
  result: unknown;
  error: string | null;
  epoch: number | null;
}

/** The last day's remediations and every open one: what the brakes and verification need. */
export async function observedRemediations(db: Queryable, now: Date): Promise<RemediationRow[]> {
  const { rows } = await db.query<RemediationRow>(
    `SELECT ${COLUMNS} FROM remediations
      WHERE requested_at >= $1::timestamptz - interval '1 day' OR applied_at >= $1::timestamptz - interval '1 day'
         OR status IN ('pending_approval', 'approved', 'verifying')
      ORDER BY id`, [now]);
  return rows;
}

export interface RemediationFilter {
  status?: RemediationStatus[];
  alertIds?: number[];
  policy?: string;
  limit?: number;
}

export async function listRemediations(db: Queryable, f: RemediationFilter = {}): Promise<RemediationRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status?.length) { args.push(f.status); where.push(`status = ANY($${args.length})`); }
  if (f.alertIds) { args.push(f.alertIds); where.push(`alert_id = ANY($${args.length})`); }
  if (f.policy) { args.push(f.policy); where.push(`policy = $${args.length}`); }
  args.push(Math.min(f.limit ?? 100, 500));
  const { rows } = await db.query<RemediationRow>(
    `SELECT ${COLUMNS} FROM remediations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`, args);
  return rows;
}

export async function getRemediation(db: Queryable, id: number): Promise<RemediationRow | null> {
  const { rows } = await db.query<RemediationRow>(`SELECT ${COLUMNS} FROM remediations WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export class ApprovalError extends Error {
  readonly statusCode: 403 | 404 | 409;
  constructor(message: string, statusCode: 403 | 404 | 409) {
    super(message);
    this.statusCode = statusCode;
  }
}

/**
 * A human's answer to a pending approval: never the requester's own, never after expiry,
 * recorded with who and when. The row lock orders two answers given at once.
 */
export async function decideApproval(db: Queryable, id: number, actor: string, approve: boolean, note: string | undefined, now = new Date()): Promise<RemediationRow> {
  const { rows } = await db.query<{ status: string; requested_by: string; expires_at: Date | null }>(
    `SELECT status, requested_by, expires_at FROM remediations WHERE id = $1`, [id]);
  const r = rows[0];
  if (!r) throw new ApprovalError(`no remediation #${id}`, 404);
  if (r.status !== 'pending_approval') throw new ApprovalError(`remediation #${id} is ${r.status}, not waiting for approval`, 409);
  if (r.requested_by === actor) throw new ApprovalError(`you requested remediation #${id}: another person must approve or reject it`, 403);
  if (r.expires_at && r.expires_at <= now) throw new ApprovalError(`the approval of remediation #${id} expired at ${r.expires_at.toISOString()}`, 409);
  const updated = await db.query(
    `UPDATE remediations SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5
      WHERE id = $1 AND status = 'pending_approval' AND requested_by <> $3 AND (expires_at IS NULL OR expires_at > $4)`,
    [id, approve ? 'approved' : 'rejected', actor, now, note ?? null]);
  if (updated.rowCount === 0) throw new ApprovalError(`remediation #${id} changed while this request ran; read it again`, 409);
  return (await getRemediation(db, id))!;
}

/** A human asks for a remediation of an alert by a policy: it waits for someone else's approval. */
export async function requestRemediation(db: Queryable, r: { alertId: number; policy: string; action: string; target: string; kind: string; params: unknown; runbookUrl: string | null; requestedBy: string; expiresAt: Date }): Promise<RemediationRow> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO remediations (alert_id, policy, action, target, kind, params, risky, status, requested_by, expires_at, runbook_url)
     VALUES ($1, $2, $3, $4, $5, $6, true, 'pending_approval', $7, $8, $9)
     ON CONFLICT (alert_id, policy) WHERE alert_id IS NOT NULL DO NOTHING RETURNING id::int`,
    [r.alertId, r.policy, r.action, r.target, r.kind, r.params, r.requestedBy, r.expiresAt, r.runbookUrl]);
  if (!rows[0]) throw new ApprovalError(`alert #${r.alertId} already has a remediation by policy ${r.policy}`, 409);
  return (await getRemediation(db, rows[0].id))!;
}
