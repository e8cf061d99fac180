import type { Queryable } from '../db/pool.ts';
import { ConflictError, NotFoundError, isUniqueViolation } from './errors.ts';

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
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, name, plan, config, resource_quota, budget_monthly_usd, budget_reset_day, created_at, updated_at`;

function toTenant(r: Record<string, any>): Tenant {
  return {
    id: r.id,
    name: r.name,
    plan: r.plan,
    config: r.config,
    resourceQuota: r.resource_quota,
    budgetMonthlyUsd: r.budget_monthly_usd,
    budgetResetDay: r.budget_reset_day,
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

export async function createTenant(db: Queryable, t: NewTenant): Promise<Tenant> {
  try {
    const { rows } = await db.query(
      `INSERT INTO tenants (name, plan, config, resource_quota, budget_monthly_usd, budget_reset_day)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [t.name.trim(), t.plan ?? 'team', t.config ?? {}, t.resourceQuota ?? {}, t.budgetMonthlyUsd ?? null, t.budgetResetDay ?? 1],
    );
    return toTenant(rows[0]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`a tenant named "${t.name.trim()}" already exists; choose another name`);
    throw err;
  }
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

export async function updateTenant(db: Queryable, id: string, patch: TenantPatch): Promise<Tenant> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.name !== undefined) set('name', patch.name.trim());
  if (patch.config !== undefined) set('config', patch.config);
  if (patch.budgetMonthlyUsd !== undefined) set('budget_monthly_usd', patch.budgetMonthlyUsd);
  if (patch.budgetResetDay !== undefined) set('budget_reset_day', patch.budgetResetDay);
  if (patch.plan !== undefined) set('plan', patch.plan);
  if (patch.resourceQuota !== undefined) set('resource_quota', patch.resourceQuota);
  if (sets.length === 0) return getTenant(db, id);
  try {
    const { rows } = await db.query(
      `UPDATE tenants SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      values,
    );
    if (!rows[0]) throw new NotFoundError(`tenant ${id} not found`);
    return toTenant(rows[0]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`a tenant named "${patch.name}" already exists; choose another name`);
    throw err;
  }
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
