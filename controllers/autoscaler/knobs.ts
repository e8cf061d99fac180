// The warm pool's knobs other parts turn, kept in autoscaling_settings (key 'headroom') so
// that every replica's leader reads the same: a ceiling per pool and a cost ceiling per
// hour (the cost guard shrinks the pool through them), and boosts with an expiry (a
// remediation "raise the warm pool"). Every change names who made it.
import type { Queryable } from '../../db/pool.ts';
import type { PoolName } from './settings.ts';

export interface WarmPoolBoost {
  region: string;
  /** both pools when absent */
  pool?: PoolName;
  extra: number;
  until: string;
  reason?: string;
  by: string;
}

export interface WarmPoolKnobs {
  /** placeholders per pool at most (below the controller's own maximum) */
  maxPerPool?: number;
  /** all pools together cost at most this per hour */
  costCeilingPerHour?: number;
  boosts?: WarmPoolBoost[];
  /** the operator's choice of policy and of P(a start finds the pool empty), over the defaults */
  policy?: 'reactive' | 'predictive';
  emptyProbability?: number;
}

export const KNOBS_KEY = 'headroom';
/** bounds on what a caller may ask for */
export const MAX_BOOST = 40;
export const MAX_BOOST_MINUTES = 24 * 60;

export async function readWarmPoolKnobs(db: Queryable): Promise<WarmPoolKnobs> {
  const { rows: [r] } = await db.query(`SELECT value FROM autoscaling_settings WHERE key = $1`, [KNOBS_KEY]);
  return (r?.value as WarmPoolKnobs) ?? {};
}

async function update(db: Queryable, actor: string, change: (k: WarmPoolKnobs) => WarmPoolKnobs): Promise<WarmPoolKnobs> {
  await db.query(`INSERT INTO autoscaling_settings (key, value, updated_by) VALUES ($1, '{}', $2) ON CONFLICT DO NOTHING`, [KNOBS_KEY, actor]);
  const { rows: [r] } = await db.query(`SELECT value FROM autoscaling_settings WHERE key = $1 FOR UPDATE`, [KNOBS_KEY]);
  const next = change(r.value as WarmPoolKnobs);
  await db.query(`UPDATE autoscaling_settings SET value = $2, updated_by = $3, updated_at = now() WHERE key = $1`, [KNOBS_KEY, JSON.stringify(next), actor]);
  return next;
}

/**
 * The cost guard's knob: a ceiling per pool and/or per hour; null lifts it. Run it inside a
 * transaction when other writes must go with it (it locks the row).
 */
export function setWarmPoolCeiling(db: Queryable, c: { maxPerPool?: number | null; costCeilingPerHour?: number | null }, actor: string): Promise<WarmPoolKnobs> {
  if (c.maxPerPool != null && !(Number.isInteger(c.maxPerPool) && c.maxPerPool >= 0 && c.maxPerPool <= 1000)) throw new RangeError('maxPerPool must be an integer 0..1000');
  if (c.costCeilingPerHour != null && !(c.costCeilingPerHour >= 0 && c.costCeilingPerHour <= 1e6)) throw new RangeError('costCeilingPerHour must be 0..1e6');
  return update(db, actor, (k) => {
    const next = { ...k };
    if (c.maxPerPool !== undefined) { if (c.maxPerPool === null) delete next.maxPerPool; else next.maxPerPool = c.maxPerPool; }
    if (c.costCeilingPerHour !== undefined) { if (c.costCeilingPerHour === null) delete next.costCeilingPerHour; else next.costCeilingPerHour = c.costCeilingPerHour; }
    return next;
  });
}

/** The operator's policy and level; null returns to the controller's default. */
export function setWarmPoolPolicy(db: Queryable, c: { policy?: 'reactive' | 'predictive' | null; emptyProbability?: number | null }, actor: string): Promise<WarmPoolKnobs> {
  if (c.emptyProbability != null && !(c.emptyProbability >= 0.0001 && c.emptyProbability <= 0.5)) throw new RangeError('emptyProbability must be 0.0001..0.5');
  return update(db, actor, (k) => {
    const next = { ...k };
    if (c.policy !== undefined) { if (c.policy === null) delete next.policy; else next.policy = c.policy; }
    if (c.emptyProbability !== undefined) { if (c.emptyProbability === null) delete next.emptyProbability; else next.emptyProbability = c.emptyProbability; }
    return next;
  });
}

/** Remediation's "raise the warm pool": `extra` placeholders in a region (and pool) for a while. */
export function raiseWarmPool(db: Queryable, r: { region: string; pool?: PoolName; extra: number; forMinutes: number; reason?: string; now?: Date }, actor: string): Promise<WarmPoolKnobs> {
  if (!Number.isInteger(r.extra) || r.extra < 1 || r.extra > MAX_BOOST) throw new RangeError(`extra must be an integer 1..${MAX_BOOST}`);
  if (!(r.forMinutes > 0 && r.forMinutes <= MAX_BOOST_MINUTES)) throw new RangeError(`forMinutes must be within 0..${MAX_BOOST_MINUTES}`);
  const now = r.now ?? new Date();
  const until = new Date(now.getTime() + r.forMinutes * 60_000).toISOString();
  return update(db, actor, (k) => ({
    ...k,
    boosts: [...(k.boosts ?? []).filter((b) => Date.parse(b.until) > now.getTime()), { region: r.region, ...(r.pool ? { pool: r.pool } : {}), extra: r.extra, until, by: actor, ...(r.reason ? { reason: r.reason } : {}) }],
  }));
}

/** The boost in force for a pool: the boosts that match and have not expired, added. */
export function boostFor(k: WarmPoolKnobs, region: string, pool: PoolName, now: number): { extra: number; reason?: string } | null {
  const live = (k.boosts ?? []).filter((b) => b.region === region && (!b.pool || b.pool === pool) && Date.parse(b.until) > now);
  if (!live.length) return null;
  return { extra: live.reduce((n, b) => n + b.extra, 0), reason: live.map((b) => `${b.reason ?? 'raised'} by ${b.by} until ${b.until}`).join(', ') };
}
