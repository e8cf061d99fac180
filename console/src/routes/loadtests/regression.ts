// How a load-test run compares with the run before it: the relative change of each figure,
// and whether it got worse (latency and errors up, throughput down) by more than noise.
export interface RunFigures {
  p95Ms: number;
  p99Ms: number | null;
  errorRate: number;
  throughput: number;
}

export interface Change {
  /** (latest − previous) ÷ previous; null without a previous value */
  ratio: number | null;
  worse: boolean;
}

/** Changes under this share are noise on a shared machine. */
export const NOISE = 0.1;

function change(latest: number | null, previous: number | null | undefined, higherIsWorse: boolean): Change {
  if (latest === null || previous === null || previous === undefined) return { ratio: null, worse: false };
  if (previous === 0) return { ratio: latest === 0 ? 0 : null, worse: higherIsWorse ? latest > 0 : false };
  const ratio = (latest - previous) / previous;
  return { ratio, worse: higherIsWorse ? ratio > NOISE : ratio < -NOISE };
}

export function regression(latest: RunFigures, previous: RunFigures | undefined): Record<keyof RunFigures, Change> {
  return {
    p95Ms: change(latest.p95Ms, previous?.p95Ms, true),
    p99Ms: change(latest.p99Ms, previous?.p99Ms, true),
    errorRate: change(latest.errorRate, previous?.errorRate, true),
    throughput: change(latest.throughput, previous?.throughput, false),
  };
}

export function signed(c: Change): string {
  if (c.ratio === null) return '—';
  const pct = Math.round(c.ratio * 1000) / 10;
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

/** The overall limit of a latency threshold ("p(95)<200" on all requests) in ms, if one was set. */
export function limitOf(thresholds: { name: string; scope: string }[], metric: 'p(95)' | 'p(99)'): number | null {
  for (const t of thresholds) {
    if (t.scope !== 'all') continue;
    const m = /(?:^|: )p\((\d+)\)<([0-9.]+)$/.exec(t.name);
    if (m && `p(${m[1]})` === metric) return Number(m[2]);
  }
  return null;
}
