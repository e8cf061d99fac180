import type { Queryable } from '../db/pool.ts';
import type { MemberRole, PlatformRole } from './roles.ts';
import { ConflictError, ForbiddenError, isUniqueViolation } from './errors.ts';

export interface User {
  id: string;
  email: string | null;
  displayName: string | null;
  platformRole: PlatformRole | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

const COLUMNS = `id, email, display_name, platform_role, created_at, last_login_at`;

function toUser(r: Record<string, any>): User {
  return { id: r.id, email: r.email, displayName: r.display_name, platformRole: r.platform_role, createdAt: r.created_at, lastLoginAt: r.last_login_at };
}

export async function getUser(db: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NULL`, [id]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** The first platform admin, created on first use of the bootstrap link. */
export async function ensureBootstrapAdmin(db: Queryable): Promise<User> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM users WHERE platform_role = 'admin' AND disabled_at IS NULL ORDER BY created_at LIMIT 1`,
  );
  if (rows[0]) return toUser(rows[0]);
  const created = await db.query(
    `INSERT INTO users (email, display_name, platform_role) VALUES (NULL, 'Administrator', 'admin') RETURNING ${COLUMNS}`,
  );
  return toUser(created.rows[0]);
}

export interface OidcIdentity {
  issuer: string;
  subject: string;
  email?: string;
  name?: string;
}

/**
 * The user for an OIDC identity: matched by (issuer, subject), else claimed by a verified
 * e-mail that was invited (a user row without an OIDC subject), else created with no roles.
 * `platform`: the platform role the provider's claims map to, set at every sign-in (null
 * takes a role away); undefined leaves the stored role as it is.
 */
export async function upsertOidcUser(db: Queryable, id: OidcIdentity, platform?: { role: PlatformRole | null }): Promise<User> {
  try {
    return await matchOidcUser(db, id, platform);
  } catch (err) {
    // Another identity (another subject, or another issuer) already holds this address.
    if (isUniqueViolation(err) && (err as { constraint?: string }).constraint === 'users_email_key') {
      throw new ConflictError(`the e-mail ${id.email} already belongs to another Pilothouse user who signs in differently; ask an administrator`);
    }
    throw err;
  }
}

async function matchOidcUser(db: Queryable, id: OidcIdentity, platform: { role: string | null } | undefined): Promise<User> {
  // A disabled account stays disabled whatever the provider says: no login stamp, no role.
  const disabled = await db.query(
    `SELECT 1 FROM users WHERE disabled_at IS NOT NULL
        AND ((oidc_issuer = $1 AND oidc_subject = $2) OR ($3::text IS NOT NULL AND lower(email) = lower($3) AND oidc_subject IS NULL))`,
    [id.issuer, id.subject, id.email ?? null],
  );
  if (disabled.rows[0]) throw new ForbiddenError('this Pilothouse account is disabled; ask an administrator to enable it');
  // $5: whether the role is synced; $6: the role to set.
  const sync = [platform !== undefined, platform?.role ?? null];
  const bySubject = await db.query(
    `UPDATE users SET email = coalesce($3, email), display_name = coalesce($4, display_name), last_login_at = now(),
            platform_role = CASE WHEN $5 THEN $6 ELSE platform_role END
      WHERE oidc_issuer = $1 AND oidc_subject = $2 RETURNING ${COLUMNS}`,
    [id.issuer, id.subject, id.email ?? null, id.name ?? null, ...sync],
  );
  if (bySubject.rows[0]) return toUser(bySubject.rows[0]);
  if (id.email) {
    const claimed = await db.query(
      `UPDATE users SET oidc_issuer = $1, oidc_subject = $2, display_name = coalesce($4, display_name), last_login_at = now(),
              platform_role = CASE WHEN $5 THEN $6 ELSE platform_role END
        WHERE lower(email) = lower($3) AND oidc_subject IS NULL RETURNING ${COLUMNS}`,
      [id.issuer, id.subject, id.email, id.name ?? null, ...sync],
    );
    if (claimed.rows[0]) return toUser(claimed.rows[0]);
  }
  const created = await db.query(
    `INSERT INTO users (email, display_name, oidc_issuer, oidc_subject, platform_role, last_login_at)
     VALUES ($1, $2, $3, $4, $5, now()) RETURNING ${COLUMNS}`,
    [id.email ?? null, id.name ?? null, id.issuer, id.subject, platform?.role ?? null],
  );
  return toUser(created.rows[0]);
}

/** tenant id → role, for every tenant the user belongs to */
export async function userMemberships(db: Queryable, userId: string): Promise<Map<string, MemberRole>> {
  const { rows } = await db.query(`SELECT tenant_id, role FROM memberships WHERE user_id = $1`, [userId]);
  return new Map(rows.map((r) => [r.tenant_id as string, r.role as MemberRole]));
}
