// The audit log of controller decisions (table controller_actions). Rows are written before
// an action runs, fenced by the lease epoch, and finished after it.
import type { Queryable } from '../../db/pool.ts';
import { InvalidError } from '../../tenancy/errors.ts';
import type { Decision } from './types.ts';

export const ACTION_STATUSES = ['started', 'applied', 'failed', 'dry_run', 'interrupted'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface Fence {
  lease: string;
  holder: string;
  epoch: number;
}

export interface ActionRecord {
  id: number;
  controller: string;
  targetKind: string;
  target: string;
  tenantId: string | null;
  decision: string;
  reason: string;
  inputs: Record<string, unknown>;
  dryRun: boolean;
  status: ActionStatus;
  result: unknown;
  error: string | null;
  epoch: number;
  holder: string;
  decidedAt: Date;
  finishedAt: Date | null;
}

const toRecord = (r: Record<string, any>): ActionRecord => ({
  id: r.id, controller: r.controller, targetKind: r.target_kind, target: r.target, tenantId: r.tenant_id,
  decision: r.decision, reason: r.reason, inputs: r.inputs, dryRun: r.dry_run, status: r.status, result: r.result,
  error: r.error, epoch: r.epoch, holder: r.holder, decidedAt: r.decided_at, finishedAt: r.finished_at,
});

/**
 * Records a decision, but only while `fence` still holds the lease: returns the row id, or
 * null when this replica no longer leads (nothing is written then).
 */
export async function recordDecision(db: Queryable, fence: Fence, controller: string, d: Decision<unknown>, dryRun: boolean): Promise<number | null> {
  const { rows } = await db.query(
    `INSERT INTO controller_actions (controller, target_kind, target, tenant_id, decision, reason, inputs, dry_run, status, epoch, holder, finished_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $8 THEN clock_timestamp() END
       FROM controller_leases
      WHERE name = $12 AND holder = $11 AND epoch = $10 AND expires_at > clock_timestamp()
     RETURNING id`,
    [controller, d.target.kind, d.target.name, d.target.tenantId ?? null, d.decision, d.reason, JSON.stringify(d.inputs),
      dryRun, dryRun ? 'dry_run' : 'started', fence.epoch, fence.holder, fence.lease],
  );
  return rows[0]?.id ?? null;
}

export async function finishAction(db: Queryable, id: number, outcome: { status: 'applied' | 'failed'; result?: unknown; error?: string }): Promise<void> {
  await db.query(
    `UPDATE controller_actions SET status = $2, result = $3, error = $4, finished_at = clock_timestamp()
      WHERE id = $1 AND status = 'started'`,
    [id, outcome.status, outcome.result === undefined ? null : JSON.stringify(outcome.result), outcome.error ?? null],
  );
}

/**
 * A new leader closes the rows its predecessors left 'started': their outcome is unknown,
 * and the next observation decides afresh whether anything is still to do.
 */
export async function closeInterrupted(db: Queryable, controllers: readonly string[], fence: Fence): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE controller_actions SET status = 'interrupted', finished_at = clock_timestamp(),
            error = 'the replica that started this action stopped leading before recording its outcome (epoch ' || epoch || ' → ' || $2 || ')'
      WHERE status = 'started' AND controller = ANY($1::text[]) AND epoch < $2
        AND EXISTS (SELECT 1 FROM controller_leases WHERE name = $3 AND holder = $4 AND epoch = $2 AND expires_at > clock_timestamp())`,
    [controllers, fence.epoch, fence.lease, fence.holder],
  );
  return rowCount ?? 0;
}

/**
 * A dry-run decision identical to one recorded within `withinMs` is not recorded again:
 * a level-based loop in dry run would otherwise repeat itself every tick.
 */
export async function recentlyRecordedDryRun(db: Queryable, controller: string, d: Decision<unknown>, withinMs: number): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM controller_actions
      WHERE target = $1 AND controller = $2 AND decision = $3 AND dry_run
        AND decided_at > clock_timestamp() - $4 * interval '1 millisecond'
      LIMIT 1`,
    [d.target.name, controller, d.decision, withinMs],
  );
  return rows.length > 0;
}

export interface ActionFilter {
  /** undefined: every tenant's rows and the fleet's (platform roles) */
  tenantId?: string;
  controller?: string;
  status?: ActionStatus[];
  /** one target, or any of several (a name resolved to its ids) */
  target?: string | readonly string[];
  targetKind?: string;
  dryRun?: boolean;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

function decodeCursor(cursor: string): number {
  const id = /^[0-9]{1,18}$/.test(cursor) ? Number(cursor) : NaN;
  if (!Number.isSafeInteger(id)) throw new InvalidError('cursor is not valid: pass the nextCursor value of the previous page unchanged');
  return id;
}

export async function listActions(db: Queryable, f: ActionFilter): Promise<{ items: ActionRecord[]; nextCursor: string | null }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, ...vs: unknown[]) => {
    let s = sql;
    for (const v of vs) {
      values.push(v);
      s = s.replace('?', `$${values.length}`);
    }
    where.push(s);
  };
  if (f.tenantId !== undefined) add('tenant_id = ?', f.tenantId);
  if (f.controller) add('controller = ?', f.controller);
  if (f.status?.length) add('status = ANY(?::text[])', f.status);
  if (typeof f.target === 'string' && f.target) add('target = ?', f.target);
  else if (Array.isArray(f.target)) add('target = ANY(?::text[])', f.target);
  if (f.targetKind) add('target_kind = ?', f.targetKind);
  if (f.dryRun !== undefined) add('dry_run = ?', f.dryRun);
  if (f.since) add('decided_at >= ?::timestamptz', f.since);
  if (f.until) add('decided_at < ?::timestamptz', f.until);
  if (f.cursor) add('id < ?::bigint', decodeCursor(f.cursor));
  values.push(f.limit + 1);
  const { rows } = await db.query(
    `SELECT * FROM controller_actions ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
  const items = rows.slice(0, f.limit).map(toRecord);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > f.limit && last ? String(last.id) : null,
  };
}

/** The `controller` of actions people take (through the console or the API), in the same log as the controllers'. */
export const PERSON = 'person';

export interface HumanAction {
  /** the principal's name, as shown ("alice@example.com", a token's name) */
  who: string;
  /** the principal, as recorded in transitions ("user:…", "token:…") */
  actor: string;
  targetKind: string;
  target: string;
  tenantId: string | null;
  decision: string;
  reason: string | undefined;
  inputs?: Record<string, unknown>;
}

/**
 * Records what a person did, once it is done (a person's action is its own decision: there is
 * no lease to fence and no dry run). Epoch 0 tells these rows from any leader's.
 */
export async function recordHumanAction(db: Queryable, a: HumanAction): Promise<number> {
  const { rows } = await db.query(
    `INSERT INTO controller_actions (controller, target_kind, target, tenant_id, decision, reason, inputs, dry_run, status, epoch, holder, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, false, 'applied', 0, $8, clock_timestamp()) RETURNING id`,
    [PERSON, a.targetKind, a.target, a.tenantId, a.decision, a.reason?.trim() || 'no reason given', JSON.stringify({ actor: a.actor, ...a.inputs }), a.who],
  );
  return rows[0].id;
}

export interface ActionSummary {
  controller: string;
  decisions: number;
  applied: number;
  failed: number;
  dryRun: number;
  targets: number;
  /** the target decided about most often in the window, and how often: a flapping one shows here */
  busiestTarget: { targetKind: string; target: string; tenantId: string | null; decisions: number } | null;
  lastAt: Date;
}

/** Per controller (people included), what was decided in a window. */
export async function summarizeActions(db: Queryable, f: { since: string; until: string; tenantId?: string }): Promise<ActionSummary[]> {
  const { rows } = await db.query(
    `WITH sel AS (SELECT * FROM controller_actions WHERE decided_at >= $1 AND decided_at < $2 AND ($3::uuid IS NULL OR tenant_id = $3)),
          busiest AS (SELECT DISTINCT ON (controller) controller, target_kind, target, tenant_id, n
                        FROM (SELECT controller, target_kind, target, tenant_id, count(*)::int AS n FROM sel GROUP BY 1, 2, 3, 4) x
                       ORDER BY controller, n DESC, target)
     SELECT s.controller, count(*)::int AS decisions,
            count(*) FILTER (WHERE status = 'applied')::int AS applied,
            count(*) FILTER (WHERE status IN ('failed', 'interrupted'))::int AS failed,
            count(*) FILTER (WHERE status = 'dry_run')::int AS dry_run,
            count(DISTINCT s.target)::int AS targets, max(decided_at) AS last_at,
            b.target_kind AS b_kind, b.target AS b_target, b.tenant_id AS b_tenant, b.n AS b_n
       FROM sel s LEFT JOIN busiest b USING (controller)
      GROUP BY s.controller, b.target_kind, b.target, b.tenant_id, b.n
      ORDER BY decisions DESC, s.controller`,
    [f.since, f.until, f.tenantId ?? null],
  );
  return rows.map((r) => ({
    controller: r.controller, decisions: r.decisions, applied: r.applied, failed: r.failed, dryRun: r.dry_run, targets: r.targets, lastAt: r.last_at,
    busiestTarget: r.b_target ? { targetKind: r.b_kind, target: r.b_target, tenantId: r.b_tenant, decisions: r.b_n } : null,
  }));
}
