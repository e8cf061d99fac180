// Shapes GET /api/v1/fleet/warm-pool for the Fleet page: per region and pool, forecast and
// actual starts per hour and the placeholder replicas kept (a step series sampled hourly).
// Plain TypeScript, testable outside a browser.

export interface WarmPoolHour { hour: string; forecast: number; actual: number | null; method: string }
export interface WarmPoolSeries { region: string; pool: string; hours: WarmPoolHour[]; poolSize: { at: string; replicas: number }[] }
export interface WarmPool { generatedAt: string; pools: WarmPoolSeries[]; knobs: Record<string, unknown> }

export interface WarmPoolChart { key: string; title: string; times: number[]; lines: { label: string; color: string; values: (number | null)[] }[] }

/** The pool size in force at the end of each hour: the last change at or before it. */
export function poolAt(changes: WarmPoolSeries['poolSize'], endMs: number): number | null {
  let v: number | null = null;
  for (const c of changes) if (Date.parse(c.at) <= endMs) v = c.replicas;
  return v;
}

export function warmPoolCharts(w: WarmPool): WarmPoolChart[] {
  return w.pools.map((p) => {
    const times = p.hours.map((h) => Date.parse(h.hour) / 1000);
    return {
      key: `${p.region}/${p.pool}`,
      title: `${p.region} · ${p.pool}`,
      times,
      lines: [
        { label: 'forecast starts/h', color: '#9333ea', values: p.hours.map((h) => Math.round(h.forecast * 100) / 100) },
        { label: 'actual starts/h', color: '#2563eb', values: p.hours.map((h) => h.actual) },
        { label: 'warm pool (placeholders)', color: '#16a34a', values: p.hours.map((h) => (h.actual === null ? null : poolAt(p.poolSize, Date.parse(h.hour) + 3_600_000 - 1))) },
      ],
    };
  });
}
