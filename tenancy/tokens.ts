// API tokens for machines and scripts: shown once, stored as a SHA-256 hash, scoped to one
// tenant (tenant role) or to the platform (platform role), revocable.
import type { Queryable } from '../db/pool.ts';
import type { PlatformRole, PlatformTokenRole, TenantRole } from './roles.ts';
import { NotFoundError } from './errors.ts';
import { hashSecret, newSecret } from './secrets.ts';

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  tenantId: string | null;
  role: TenantRole | PlatformRole | PlatformTokenRole;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, prefix, tenant_id, role, created_at, expires_at, last_used_at, revoked_at`;

function toToken(r: Record<string, any>): ApiToken {
  return {
    id: r.id, name: r.name, prefix: r.prefix, tenantId: r.tenant_id, role: r.role,
    createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
  };
}

export interface NewToken {
  name: string;
  tenantId: string | null;
  role: TenantRole | PlatformRole | PlatformTokenRole;
  createdBy?: string | null;
  expiresInDays?: number;
}

/** Creates a token; the secret is returned here and never again. */
export async function createToken(db: Queryable, t: NewToken): Promise<{ token: ApiToken; secret: string }> {
  const secret = newSecret('ph');
  const { rows } = await db.query(
    `INSERT INTO api_tokens (name, token_hash, prefix, tenant_id, role, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + $7::float8 * interval '1 day')
     RETURNING ${COLUMNS}`,
    [t.name, hashSecret(secret), secret.slice(0, 10), t.tenantId, t.role, t.createdBy ?? null, t.expiresInDays ?? null],
  );
  return { token: toToken(rows[0]), secret };
}

/** A live token for `secret`, recording its use (at most once a minute per token). */
export async function verifyToken(db: Queryable, secret: string): Promise<ApiToken | undefined> {
  if (!secret.startsWith('ph_') || secret.length > 200) return undefined;
  // The lookup is by hash, so response timing reveals nothing about a stored secret.
  // The row is written only when its last-use time is stale: an UPDATE on every request
  // would make each authenticated call wait for a WAL flush.
  const { rows } = await db.query(
    `WITH live AS (
       SELECT ${COLUMNS} FROM api_tokens
        WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
     ), used AS (
       UPDATE api_tokens SET last_used_at = now()
        WHERE id = (SELECT id FROM live) AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
        RETURNING last_used_at
     )
     SELECT ${COLUMNS.replace('last_used_at', 'coalesce((SELECT last_used_at FROM used), last_used_at) AS last_used_at')} FROM live`,
    [hashSecret(secret)],
  );
  return rows[0] ? toToken(rows[0]) : undefined;
}

export async function listTokens(db: Queryable, tenantId: string | null): Promise<ApiToken[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM api_tokens WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY created_at DESC`,
    [tenantId],
  );
  return rows.map(toToken);
}

/** A token of `tenantId` (null: the platform's), or a 404 for any other. */
export async function getToken(db: Queryable, tenantId: string | null, id: string): Promise<ApiToken> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM api_tokens WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2`, [id, tenantId]);
  if (!rows[0]) throw new NotFoundError(`token ${id} not found`);
  return toToken(rows[0]);
}

export async function revokeToken(db: Queryable, tenantId: string | null, id: string): Promise<ApiToken> {
  const { rows } = await db.query(
    `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
      WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 RETURNING ${COLUMNS}`,
    [id, tenantId],
  );
  if (!rows[0]) throw new NotFoundError(`token ${id} not found`);
  return toToken(rows[0]);
}
