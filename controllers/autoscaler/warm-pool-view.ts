// The warm pool as the Fleet page draws it: per region and pool, what the forecast expected
// each hour (as it stood at the hour's start, or now for hours ahead) beside the starts that
// came, and the placeholder replicas the headroom autoscaler set (from its audit log).
import { Type, type Static } from 'typebox';
import type { Queryable } from '../../db/pool.ts';
import { AUTOSCALER, startHistory } from './autoscaler.ts';
import { forecastHour, HOUR_MS, hourOf } from './forecast.ts';
import { readWarmPoolKnobs } from './knobs.ts';

const DateTime = Type.String({ format: 'date-time' });

export const WarmPool = Type.Object({
  generatedAt: DateTime,
  pools: Type.Array(Type.Object({
    region: Type.String(), pool: Type.String(),
    hours: Type.Array(Type.Object({
      hour: DateTime,
      forecast: Type.Number({ description: 'base-unit starts expected in the hour, as forecast at its start (or now, for hours ahead)' }),
      actual: Type.Union([Type.Number(), Type.Null()], { description: 'base-unit starts seen; null for hours ahead' }),
      method: Type.String(),
    })),
    poolSize: Type.Array(Type.Object({ at: DateTime, replicas: Type.Integer() }), { description: 'placeholder replicas set by the headroom autoscaler (a step series)' }),
  })),
  knobs: Type.Record(Type.String(), Type.Unknown()),
});

export type WarmPoolT = Static<typeof WarmPool>;

export async function warmPoolView(db: Queryable, now: Date, hoursBack: number, ahead: number): Promise<WarmPoolT> {
  const current = hourOf(now.getTime());
  const [history, knobs, actions] = await Promise.all([
    startHistory(db, now),
    readWarmPoolKnobs(db),
    db.query(
      `SELECT decided_at, inputs->>'region' AS region, inputs->>'pool' AS pool, (inputs->>'desired')::int AS replicas
         FROM controller_actions WHERE controller = $1 AND status = 'applied' AND inputs ? 'desired' AND decided_at > $2 ORDER BY id`,
      [AUTOSCALER, new Date(now.getTime() - hoursBack * HOUR_MS)],
    ),
  ]);
  const pools = [...history].sort(([a], [b]) => a.localeCompare(b)).map(([k, h]) => {
    const [region, pool] = k.split('/') as [string, string];
    const hours = [];
    for (let hour = current - hoursBack + 1; hour <= current + ahead; hour++) {
      const f = forecastHour(h.counts, hour, Math.min(hour, current), h.earliestHour);
      hours.push({ hour: new Date(hour * HOUR_MS).toISOString(), forecast: f.rate, actual: hour <= current ? h.counts.get(hour) ?? 0 : null, method: f.method });
    }
    const poolSize = actions.rows.filter((r) => r.region === region && r.pool === pool).map((r) => ({ at: r.decided_at.toISOString(), replicas: r.replicas }));
    return { region, pool, hours, poolSize };
  });
  return { generatedAt: now.toISOString(), pools, knobs: knobs as Record<string, unknown> };
}
