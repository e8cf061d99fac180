// Admission: a workspace may start (be created, resumed or retried) only if every hard
// limit holds with it counted: current + requested ≤ quota. Runs inside the caller's
// transaction after locking the tenant row, so concurrent starts for one tenant are decided
// one after another and cannot together overshoot the quota.
import type pg from 'pg';
import { NotFoundError } from '../tenancy/errors.ts';
import { type Amounts, type QuotaViolation, admissionViolations, parseQuota, quotaExceededMessage } from '../tenancy/quotas.ts';
import { usageOf } from './usage.ts';
import { RESET_DAY_IN_FORCE } from '../tenancy/tenants.ts';

export class QuotaExceededError extends Error {
  readonly statusCode = 429;
  readonly violations: QuotaViolation[];
  constructor(violations: QuotaViolation[]) {
    super(quotaExceededMessage(violations));
    this.violations = violations;
  }
}

export interface LockedTenant {
  tenantId: string;
  resourceQuota: Record<string, unknown>;
  resetDay: number;
}

/** Locks the tenant row until the transaction ends: admissions for one tenant go one at a time. */
export async function lockTenant(client: pg.PoolClient, tenantId: string): Promise<LockedTenant> {
  const { rows } = await client.query(
    `SELECT resource_quota, ${RESET_DAY_IN_FORCE} AS budget_reset_day FROM tenants WHERE id = $1 FOR UPDATE`,
    [tenantId],
  );
  if (!rows[0]) throw new NotFoundError(`tenant ${tenantId} not found`);
  return { tenantId, resourceQuota: rows[0].resource_quota, resetDay: rows[0].budget_reset_day };
}

/** Refuses with QuotaExceededError when `requested` does not fit the locked tenant's hard limits. */
export async function checkAdmission(client: pg.PoolClient, t: LockedTenant, requested: Amounts, now = new Date()): Promise<void> {
  const quota = parseQuota(t.resourceQuota);
  if (Object.keys(quota.hard).length === 0) return;
  // Only hard limits refuse a start, so only their meters are read.
  const used = await usageOf(client, [{ id: t.tenantId, quota: { ...quota, soft: {} }, resetDay: t.resetDay }], now);
  const violations = admissionViolations(quota, used.get(t.tenantId) ?? {}, requested);
  if (violations.length) throw new QuotaExceededError(violations);
}

/**
 * Locks the tenant (until the transaction ends) and refuses with QuotaExceededError when
 * `requested` does not fit. Call it first in the transaction that then starts the workspace.
 */
export async function admit(client: pg.PoolClient, tenantId: string, requested: Amounts, now = new Date()): Promise<void> {
  await checkAdmission(client, await lockTenant(client, tenantId), requested, now);
}
