// Leader election on a PostgreSQL row. The epoch increases whenever the lease changes hands
// (or its holder comes back after letting it expire), so it works as a fencing token: an
// action carries the epoch it was decided under and the database refuses it once the epoch
// has moved on. Session advisory locks are not used: behind a transaction-mode pooler, or
// on a recycled pool connection, they silently stop meaning what they meant. Expiry is
// judged by the database's clock alone, so replicas' clocks may disagree.
import type pg from 'pg';
import type { Queryable } from '../../db/pool.ts';

export interface LeaseState {
  name: string;
  holder: string;
  epoch: number;
  acquiredAt: Date;
  renewedAt: Date;
  expiresAt: Date;
}

export interface Acquired {
  /** true when this holder holds the lease after the call */
  held: boolean;
  /** the lease as it stands (the other holder's when not held) */
  lease: LeaseState | null;
}

const toLease = (r: Record<string, any>): LeaseState => ({
  name: r.name, holder: r.holder, epoch: r.epoch, acquiredAt: r.acquired_at, renewedAt: r.renewed_at, expiresAt: r.expires_at,
});

/**
 * Takes the lease if it is free or expired, renews it if this holder has it. The epoch
 * stays the same on renewal and goes up by one on every takeover.
 */
export async function acquireOrRenew(db: Queryable, name: string, holder: string, ttlMs: number): Promise<Acquired> {
  const { rows } = await db.query(
    `INSERT INTO controller_leases AS l (name, holder, epoch, acquired_at, renewed_at, expires_at)
     VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp(), clock_timestamp() + $3 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET
       epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp() THEN l.epoch ELSE l.epoch + 1 END,
       acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp() THEN l.acquired_at ELSE clock_timestamp() END,
       holder = EXCLUDED.holder,
       renewed_at = clock_timestamp(),
       expires_at = clock_timestamp() + $3 * interval '1 millisecond'
     WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp()
     RETURNING *`,
    [name, holder, ttlMs],
  );
  if (rows[0]) return { held: true, lease: toLease(rows[0]) };
  return { held: false, lease: await readLease(db, name) };
}

/** Gives the lease up at once so a standby need not wait for it to expire. */
export async function releaseLease(db: Queryable, name: string, holder: string, epoch: number): Promise<void> {
  await db.query(
    `UPDATE controller_leases SET expires_at = clock_timestamp() WHERE name = $1 AND holder = $2 AND epoch = $3`,
    [name, holder, epoch],
  );
}

export async function readLease(db: Queryable, name: string): Promise<LeaseState | null> {
  const { rows } = await db.query(`SELECT * FROM controller_leases WHERE name = $1`, [name]);
  return rows[0] ? toLease(rows[0]) : null;
}

/**
 * Inside a transaction: true when `holder` still holds `name` at `epoch`. Holds a share
 * lock on the lease row until the transaction ends, so a takeover (an UPDATE of that row)
 * waits for this transaction's writes to commit or roll back: nothing the old leader
 * writes can land after the new leader's epoch begins.
 */
export async function holdsLease(client: pg.PoolClient, name: string, holder: string, epoch: number): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM controller_leases
      WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()
      FOR SHARE`,
    [name, holder, epoch],
  );
  return rows.length === 1;
}

/**
 * A Kubernetes-leased replica mirrors its epoch here so that database writes are fenced
 * the same way: the row only ever moves forward.
 */
export async function advanceFence(db: Queryable, name: string, holder: string, epoch: number, ttlMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO controller_leases AS l (name, holder, epoch, acquired_at, renewed_at, expires_at)
     VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = EXCLUDED.epoch,
       acquired_at = CASE WHEN l.epoch = EXCLUDED.epoch THEN l.acquired_at ELSE clock_timestamp() END,
       renewed_at = clock_timestamp(), expires_at = EXCLUDED.expires_at
     WHERE l.epoch < EXCLUDED.epoch OR (l.epoch = EXCLUDED.epoch AND l.holder = EXCLUDED.holder)`,
    [name, holder, epoch, ttlMs],
  );
  return rowCount === 1;
}
