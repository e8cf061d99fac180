// The reactive autoscaler's tables: the targets an operator lists, and the history the HPA
// rules read (recommendations, scale events). Writes from the controller run fenced.
import { Value } from 'typebox/value';
import type { Queryable } from '../../db/pool.ts';
import type { History } from '../hpa/behavior.ts';
import { historySeconds } from '../hpa/behavior.ts';
import { hpaSpecOfTarget, TargetSpec, targetKey, type ReactiveTarget, type TargetSpecT } from './target.ts';

export class TargetSpecError extends Error {}

/** Defaults filled in, then checked against the schema; min ≤ max. */
export function parseTargetSpec(raw: unknown): TargetSpecT {
  const spec = Value.Default(TargetSpec, structuredClone(raw)) as TargetSpecT;
  if (!Value.Check(TargetSpec, spec)) {
    const first = [...Value.Errors(TargetSpec, spec)][0];
    throw new TargetSpecError(`target spec: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`);
  }
  if (spec.minReplicas > spec.maxReplicas) throw new TargetSpecError('target spec: minReplicas must not exceed maxReplicas');
  return spec;
}

export async function listTargets(db: Queryable): Promise<ReactiveTarget[]> {
  const { rows } = await db.query(`SELECT namespace, name, spec FROM autoscaling_targets ORDER BY namespace, name`);
  return rows.map((r) => ({ namespace: r.namespace, name: r.name, spec: parseTargetSpec(r.spec) }));
}

export async function putTarget(db: Queryable, t: ReactiveTarget, actor: string): Promise<void> {
  const spec = parseTargetSpec(t.spec);
  await db.query(
    `INSERT INTO autoscaling_targets (namespace, name, spec, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (namespace, name) DO UPDATE SET spec = $3, updated_by = $4, updated_at = now()`,
    [t.namespace, t.name, JSON.stringify(spec), actor],
  );
}

export async function deleteTarget(db: Queryable, namespace: string, name: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM autoscaling_targets WHERE namespace = $1 AND name = $2`, [namespace, name]);
  return (rowCount ?? 0) > 0;
}

/** The history within the longest window or policy period of the target's rules (and at least the cooldowns). */
export async function readHistory(db: Queryable, t: ReactiveTarget, now: Date, keepSeconds: number): Promise<{ history: History; lastScale: { at: number; from: number; to: number } | null }> {
  const key = targetKey(t);
  const since = new Date(now.getTime() - Math.max(historySeconds(hpaSpecOfTarget(t.spec).behavior), keepSeconds) * 1000);
  const [recs, events, last] = await Promise.all([
    // The recommendation in force at the window's start counts too: it was current until the next one.
    db.query(
      `(SELECT at, replicas FROM autoscaling_recommendations WHERE target = $1 AND at <= $3 AND at < $2 ORDER BY at DESC LIMIT 1)
       UNION ALL (SELECT at, replicas FROM autoscaling_recommendations WHERE target = $1 AND at >= $2 AND at <= $3) ORDER BY at`,
      [key, since, now],
    ),
    db.query(`SELECT at, from_replicas, to_replicas FROM autoscaling_scale_events WHERE target = $1 AND at >= $2 AND at <= $3 ORDER BY at`, [key, since, now]),
    db.query(`SELECT at, from_replicas, to_replicas FROM autoscaling_scale_events WHERE target = $1 AND at <= $2 ORDER BY at DESC LIMIT 1`, [key, now]),
  ]);
  // A recommendation is stored when it changes; it held until the next one, so it is
  // placed at the latest moment it was still in force (the next change, or now).
  const recommendations = recs.rows.map((r, i) => ({ at: i + 1 < recs.rows.length ? recs.rows[i + 1].at.getTime() - 1 : now.getTime(), replicas: r.replicas }));
  const scaleUps = events.rows.filter((e) => e.to_replicas > e.from_replicas).map((e) => ({ at: e.at.getTime(), change: e.to_replicas - e.from_replicas }));
  const scaleDowns = events.rows.filter((e) => e.to_replicas < e.from_replicas).map((e) => ({ at: e.at.getTime(), change: e.from_replicas - e.to_replicas }));
  const l = last.rows[0];
  return { history: { recommendations, scaleUps, scaleDowns }, lastScale: l ? { at: l.at.getTime(), from: l.from_replicas, to: l.to_replicas } : null };
}

export async function recordRecommendation(db: Queryable, target: string, at: Date, replicas: number, initial: number | null): Promise<void> {
  if (initial !== null) {
    // The HPA's first sync remembers the current count a moment before its own proposal.
    await db.query(`INSERT INTO autoscaling_recommendations (target, at, replicas) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [target, new Date(at.getTime() - 1), initial]);
  }
  await db.query(`INSERT INTO autoscaling_recommendations (target, at, replicas) VALUES ($1, $2, $3) ON CONFLICT (target, at) DO UPDATE SET replicas = $3`, [target, at, replicas]);
  await db.query(`DELETE FROM autoscaling_recommendations WHERE target = $1 AND at < $2::timestamptz - interval '2 hours'`, [target, at]);
}

export async function recordScaleEvent(db: Queryable, target: string, at: Date, from: number, to: number): Promise<void> {
  await db.query(`INSERT INTO autoscaling_scale_events (target, at, from_replicas, to_replicas) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [target, at, from, to]);
  await db.query(`DELETE FROM autoscaling_scale_events WHERE target = $1 AND at < $2::timestamptz - interval '1 day'`, [target, at]);
}
