import pg from 'pg';
import type { Queryable } from '../db/pool.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { periodStart } from './quotas.ts';

/** The first reset after `now` for a month starting on `resetDay` (UTC). */
export function nextReset(now: Date, resetDay: number): Date {
  const start = periodStart(now, 'month', resetDay);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, resetDay));
}

export const PLANS = ['personal', 'team', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export interface Tenant {
  id: string;
  name: string;
  plan: Plan;
  config: Record<string, unknown>;
  resourceQuota: Record<string, unknown>;
  budgetMonthlyUsd: string | null;
  budgetResetDay: number;
  /** a changed reset day, and when it takes effect (the next reset under the day in force) */
  budgetResetDayNext: { day: number; from: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The budget reset day in force now: a changed day waits for the next reset under the old
 * one (see updateTenant). Every reader of budget_reset_day selects this expression instead.
 */
export const RESET_DAY_IN_FORCE = `(CASE WHEN budget_reset_day_next_from <= now() THEN budget_reset_day_next ELSE budget_reset_day END)`;

const COLUMNS = `id, name, plan, config, resource_quota, budget_monthly_usd, ${RESET_DAY_IN_FORCE} AS budget_reset_day,
  CASE WHEN budget_reset_day_next_from > now() THEN budget_reset_day_next END AS reset_day_next,
  CASE WHEN budget_reset_day_next_from > now() THEN budget_reset_day_next_from END AS reset_day_next_from, created_at, updated_at`;

function toTenant(r: Record<string, any>): Tenant {
  return {
    id: r.id,
    name: r.name,
    plan: r.plan,
    config: r.config,
    resourceQuota: r.resource_quota,
    budgetMonthlyUsd: r.budget_monthly_usd,
    budgetResetDay: r.budget_reset_day,
    budgetResetDayNext: r.reset_day_next === null || r.reset_day_next === undefined ? null : { day: r.reset_day_next, from: r.reset_day_next_from },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewTenant {
  name: string;
  plan?: Plan;
  config?: Record<string, unknown>;
  resourceQuota?: Record<string, unknown>;
  budgetMonthlyUsd?: number | null;
  budgetResetDay?: number;
}

const NAME_LOCK = 0x746e616d; // 'tnam'

/**
 * Inserts or renames under a lock that makes the name check and the write one step, and
 * refuses a name another tenant has. Only for callers who may see every tenant (platform
 * roles): anyone else would learn from the refusal that the name exists.
 */
async function withUniqueName<T>(db: Queryable, name: string, except: string | null, write: (q: Queryable) => Promise<T>): Promise<T> {
  // A pool lends a connection for the transaction; a client already in one nests a savepoint.
  const client = db instanceof pg.Pool ? await db.connect() : undefined;
  const q = client ?? db;
  const nested = client === undefined;
  try {
    await q.query(nested ? 'SAVEPOINT tenant_name' : 'BEGIN');
    await q.query('SELECT pg_advisory_xact_lock($1)', [NAME_LOCK]);
    const { rowCount } = await q.query('SELECT 1 FROM tenants WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2', [name, except]);
    if (rowCount) throw new ConflictError(`a tenant named "${name}" already exists; choose another name`);
    const out = await write(q);
    await q.query(nested ? 'RELEASE SAVEPOINT tenant_name' : 'COMMIT');
    return out;
  } catch (err) {
    await q.query(nested ? 'ROLLBACK TO SAVEPOINT tenant_name' : 'ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client?.release();
  }
}

export async function createTenant(db: Queryable, t: NewTenant): Promise<Tenant> {
  const name = t.name.trim();
  return withUniqueName(db, name, null, async (q) => {
    const { rows } = await q.query(
      `INSERT INTO tenants (name, plan, config, resource_quota, budget_monthly_usd, budget_reset_day)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [name, t.plan ?? 'team', t.config ?? {}, t.resourceQuota ?? {}, t.budgetMonthlyUsd ?? null, t.budgetResetDay ?? 1],
    );
    return toTenant(rows[0]);
  });
}

export async function getTenant(db: Queryable, id: string): Promise<Tenant> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError(`tenant ${id} not found`);
  return toTenant(rows[0]);
}

/** Tenants visible to a caller: all of them, or only `ids` (a tenant member's own). */
export async function listTenants(db: Queryable, ids?: readonly string[]): Promise<Tenant[]> {
  const { rows } = ids
    ? await db.query(`SELECT ${COLUMNS} FROM tenants WHERE id = ANY($1::uuid[]) ORDER BY lower(name)`, [ids])
    : await db.query(`SELECT ${COLUMNS} FROM tenants ORDER BY lower(name)`);
  return rows.map(toTenant);
}

export interface TenantPatch {
  name?: string;
  config?: Record<string, unknown>;
  budgetMonthlyUsd?: number | null;
  budgetResetDay?: number;
  plan?: Plan;
  resourceQuota?: Record<string, unknown>;
}

/** `uniqueName`: refuse a name another tenant has (for platform callers; see withUniqueName). */
export async function updateTenant(db: Queryable, id: string, patch: TenantPatch, opts: { uniqueName?: boolean } = {}): Promise<Tenant> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.name !== undefined) set('name', patch.name.trim());
  if (patch.config !== undefined) set('config', patch.config);
  if (patch.budgetMonthlyUsd !== undefined) set('budget_monthly_usd', patch.budgetMonthlyUsd);
  if (patch.budgetResetDay !== undefined) {
    // The period holding now keeps its start: the new day counts from the next reset.
    const current = await getTenant(db, id);
    set('budget_reset_day', current.budgetResetDay);
    const changed = patch.budgetResetDay !== current.budgetResetDay;
    set('budget_reset_day_next', changed ? patch.budgetResetDay : null);
    set('budget_reset_day_next_from', changed ? nextReset(new Date(), current.budgetResetDay) : null);
  }
  if (patch.plan !== undefined) set('plan', patch.plan);
  if (patch.resourceQuota !== undefined) set('resource_quota', patch.resourceQuota);
  if (sets.length === 0) return getTenant(db, id);
  const write = async (q: Queryable) => {
    const { rows } = await q.query(
      `UPDATE tenants SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      values,
    );
    if (!rows[0]) throw new NotFoundError(`tenant ${id} not found`);
    return toTenant(rows[0]);
  };
  return patch.name !== undefined && opts.uniqueName ? withUniqueName(db, patch.name.trim(), id, write) : write(db);
}

export async function deleteTenant(db: Queryable, id: string): Promise<void> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1 AND state <> 'archived'`,
    [id],
  );
  if (rows[0].n > 0) throw new ConflictError(`tenant ${id} still has ${rows[0].n} workspaces that are not archived; delete them first`);
  const res = await db.query(`DELETE FROM tenants WHERE id = $1`, [id]);
  if (res.rowCount === 0) throw new NotFoundError(`tenant ${id} not found`);
}
