// Values one controller sets for others to read, kept in PostgreSQL (controller_tunings):
// the cost guard's measures (a raised spot target, a shorter idle pause, a smaller warm
// pool). A reader takes a missing value as "no change" and keeps every value in its own bounds.
import type { Queryable } from '../../db/pool.ts';

/** raised spot share added to every workload's target (0..1) */
export const SPOT_SHARE_BOOST = 'spot.targetShareBoost';
/** the most minutes a running workspace may idle before it is paused (fleet-wide cap) */
export const IDLE_PAUSE_CAP_MINUTES = 'reaper.idlePauseCapMinutes';
/** the share of the planned warm pool (headroom placeholders) to keep (0..1) */
export const WARM_POOL_FACTOR = 'headroom.warmPoolFactor';

export interface Tuning { name: string; value: number; setBy: string; reason: string; updatedAt: Date }

export async function readTunings(db: Queryable): Promise<Map<string, Tuning>> {
  const { rows } = await db.query(`SELECT name, value, set_by, reason, updated_at FROM controller_tunings`);
  return new Map(rows.map((r) => [r.name, { name: r.name, value: r.value, setBy: r.set_by, reason: r.reason, updatedAt: r.updated_at }]));
}

/** Sets a tuning, or clears it with `null` (the reader's default again). */
export async function setTuning(db: Queryable, name: string, value: number | null, setBy: string, reason: string): Promise<void> {
  if (value === null) await db.query(`DELETE FROM controller_tunings WHERE name = $1`, [name]);
  else {
    await db.query(
      `INSERT INTO controller_tunings (name, value, set_by, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET value = $2, set_by = $3, reason = $4, updated_at = now()`,
      [name, value, setBy, reason],
    );
  }
}
