import type { Queryable } from '../db/pool.ts';
import type { MemberRole } from './roles.ts';
import { ConflictError, NotFoundError } from './errors.ts';

export interface Member {
  userId: string;
  email: string | null;
  displayName: string | null;
  role: MemberRole;
  createdAt: Date;
}

const SELECT = `SELECT m.user_id, u.email, u.display_name, m.role, m.created_at
                  FROM memberships m JOIN users u ON u.id = m.user_id`;

function toMember(r: Record<string, any>): Member {
  return { userId: r.user_id, email: r.email, displayName: r.display_name, role: r.role, createdAt: r.created_at };
}

export async function listMembers(db: Queryable, tenantId: string): Promise<Member[]> {
  const { rows } = await db.query(`${SELECT} WHERE m.tenant_id = $1 ORDER BY m.created_at`, [tenantId]);
  return rows.map(toMember);
}

/** Adds (invites) a member by e-mail; the user row is created if the address is new. */
export async function addMember(db: Queryable, tenantId: string, email: string, role: MemberRole): Promise<Member> {
  const user = await db.query(
    `INSERT INTO users (email) VALUES ($1)
     ON CONFLICT (lower(email)) DO UPDATE SET email = users.email RETURNING id`,
    [email.trim()],
  );
  const userId = user.rows[0].id;
  const inserted = await db.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [tenantId, userId, role],
  );
  if (inserted.rowCount === 0) throw new ConflictError(`${email} is already a member of this tenant; change their role instead`);
  return getMember(db, tenantId, userId);
}

export async function getMember(db: Queryable, tenantId: string, userId: string): Promise<Member> {
  const { rows } = await db.query(`${SELECT} WHERE m.tenant_id = $1 AND m.user_id = $2`, [tenantId, userId]);
  if (!rows[0]) throw new NotFoundError(`member ${userId} not found in this tenant`);
  return toMember(rows[0]);
}

async function assertNotLastOwner(db: Queryable, tenantId: string, userId: string): Promise<void> {
  const { rows } = await db.query(
    `SELECT role, (SELECT count(*)::int FROM memberships WHERE tenant_id = $1 AND role = 'owner') AS owners
       FROM memberships WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`,
    [tenantId, userId],
  );
  if (!rows[0]) throw new NotFoundError(`member ${userId} not found in this tenant`);
  if (rows[0].role === 'owner' && rows[0].owners <= 1) {
    throw new ConflictError('this is the tenant\'s last owner; make another member owner first');
  }
}

export async function setMemberRole(db: Queryable, tenantId: string, userId: string, role: MemberRole): Promise<Member> {
  if (role !== 'owner') await assertNotLastOwner(db, tenantId, userId);
  const res = await db.query(`UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId, role]);
  if (res.rowCount === 0) throw new NotFoundError(`member ${userId} not found in this tenant`);
  return getMember(db, tenantId, userId);
}

export async function removeMember(db: Queryable, tenantId: string, userId: string): Promise<void> {
  await assertNotLastOwner(db, tenantId, userId);
  await db.query(`DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
}
