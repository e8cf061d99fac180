// Console sessions: an opaque random id in an httpOnly cookie, stored hashed, with a
// per-session CSRF token the console sends back on every state-changing request.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/pool.ts';
import { hashSecret } from '../../tenancy/secrets.ts';
import { getUser, userMemberships } from '../../tenancy/users.ts';
import type { Principal } from './principal.ts';

export const SESSION_COOKIE = 'ph_session';

export async function createSession(db: Queryable, userId: string, ttlHours: number): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const { rows } = await db.query(
    `INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at`,
    [hashSecret(id), userId, randomBytes(24).toString('base64url'), ttlHours * 3600],
  );
  await db.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [userId]);
  return { id, expiresAt: rows[0].expires_at };
}

export async function sessionPrincipal(db: Queryable, sessionId: string): Promise<Principal | undefined> {
  if (sessionId.length > 100) return undefined;
  const { rows } = await db.query(
    `UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1 AND expires_at > now() RETURNING user_id, csrf_token`,
    [hashSecret(sessionId)],
  );
  if (!rows[0]) return undefined;
  const user = await getUser(db, rows[0].user_id);
  if (!user) return undefined;
  return {
    kind: 'user',
    id: user.id,
    name: user.displayName ?? user.email ?? user.id,
    userId: user.id,
    platformRole: user.platformRole,
    tenantRoles: await userMemberships(db, user.id),
    via: 'session',
    csrfToken: rows[0].csrf_token,
  };
}

export async function deleteSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE id_hash = $1`, [hashSecret(sessionId)]);
}

/** A one-time sign-in link secret for the first admin, valid for `ttlMinutes`. */
export async function createBootstrapLink(db: Queryable, ttlMinutes = 60): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  // A new link retires older unused ones: only the newest printed link works.
  await db.query(`DELETE FROM bootstrap_links WHERE used_at IS NULL`);
  await db.query(
    `INSERT INTO bootstrap_links (token_hash, expires_at) VALUES ($1, now() + make_interval(mins => $2))`,
    [hashSecret(secret), ttlMinutes],
  );
  return secret;
}

/** Consumes a bootstrap secret; true once per link, false if unknown, used or expired. */
export async function consumeBootstrapLink(db: Queryable, secret: string): Promise<boolean> {
  if (secret.length > 100) return false;
  const res = await db.query(
    `UPDATE bootstrap_links SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
    [hashSecret(secret)],
  );
  return res.rowCount === 1;
}
