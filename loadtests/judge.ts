// Turns a generator's figures into a summary judged by the scenario's thresholds: each
// threshold applies to every route of the scenario and to the run as a whole.
import { LOCAL_FORMAT, type LocalSummaryT } from '../collectors/loadtests/summary.ts';
import type { GeneratorResult, RouteResult } from './generator.ts';
import { passes, type Measured, type Threshold } from './thresholds.ts';

const ms = (us: number) => Math.round(us) / 1000;

function figures(r: RouteResult) {
  return {
    route: r.route, requests: r.count, errors: r.errors, errorRate: r.count ? Math.round((r.errors / r.count) * 1e6) / 1e6 : 0,
    latencyMs: { p50: ms(r.latencyUs.p50), p90: ms(r.latencyUs.p90), p95: ms(r.latencyUs.p95), p99: ms(r.latencyUs.p99), max: ms(r.latencyUs.max), mean: ms(r.latencyUs.mean) },
    statuses: r.statuses,
  };
}

function measured(f: ReturnType<typeof figures>): Measured {
  return { 'p(50)': f.latencyMs.p50, 'p(90)': f.latencyMs.p90, 'p(95)': f.latencyMs.p95, 'p(99)': f.latencyMs.p99, error_rate: f.errorRate };
}

export interface RunInfo {
  scenario: string;
  profile: string;
  target: string;
  revision: string | null;
  startedAt: Date;
  durationS: number;
}

export function judge(info: RunInfo, result: GeneratorResult, thresholds: readonly Threshold[]): LocalSummaryT {
  const total = figures(result.total);
  const routes = result.routes.map(figures);
  const out: LocalSummaryT['thresholds'] = [];
  for (const t of thresholds) {
    const name = t.metric === 'error_rate' ? `rate<${t.limit}` : `${t.metric}<${t.limit}`;
    for (const f of [total, ...(routes.length > 1 ? routes : [])]) {
      const m = measured(f);
      // A route that answered nothing cannot pass a latency limit.
      const ok = f.requests > 0 && passes(t, m);
      out.push({ name, slo: t.slo, scope: f === total ? 'all' : f.route, value: m[t.metric], ok });
    }
  }
  return {
    format: LOCAL_FORMAT, scenario: info.scenario, profile: info.profile, target: info.target, revision: info.revision,
    startedAt: info.startedAt.toISOString(), durationS: info.durationS, rate: result.rate, throughput: result.throughput,
    total, routes, thresholds: out, passed: out.every((t) => t.ok),
  };
}
