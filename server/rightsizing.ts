// The rightsizing report: each workload's VPA-style recommendation from its stored usage
// samples, the resource factor each tenant's workspaces should get, the fleet's
// utilisation against the roadmap's bands, and what the recommendations would change in
// cost at the catalogue's on-demand rates. Composed here from the collector's samples, the
// price catalogue and the pure recommender.
import { Type } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { readWorkloadSamples, type StoredSample } from '../collectors/fleet/workload-samples.ts';
import { ratesAt } from '../collectors/cost/catalog-store.ts';
import { band, CPU_BAND, MEMORY_BAND, recommend, resourceFactorFor, type BandVerdict, type Recommendation } from '../controllers/rightsizing/recommend.ts';
import { BASE_CPU_CORES, BASE_MEMORY_BYTES } from '../tenancy/workspace-sizes.ts';

const GB = 1024 ** 3;
const HOURS_PER_MONTH = 730;
/** utilisation is judged on the last hour of samples */
const UTILISATION_WINDOW_MS = 3_600_000;

export interface WorkloadRecommendation extends Recommendation {
  namespace: string;
  workload: string;
  kind: 'workspace' | 'deployment';
  tenantId: string | null;
  /** USD per month if every pod got the target instead of its current request */
  costChangePerMonth: number;
}

export interface RightsizingReport {
  generatedAt: string;
  recommendations: WorkloadRecommendation[];
  tenants: { tenantId: string; workspaces: number; resourceFactor: number; ratio: number }[];
  utilisation: {
    cpu: number | null; memory: number | null;
    cpuBand: readonly [number, number]; memoryBand: readonly [number, number];
    cpuVerdict: BandVerdict; memoryVerdict: BandVerdict;
    /** with every workload at its target request */
    cpuAtTarget: number | null; memoryAtTarget: number | null;
  };
  costChangePerMonth: number;
  rates: { cpuHour: number; gbHour: number } | null;
}

// The answer's schema (OpenAPI, and from it the console's types); it describes the shape above.
const N = Type.Number();
const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Estimate = Type.Object({ cpu: N, memory: N }, { description: 'cores and bytes per pod' });
export const RightsizingReportSchema = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  recommendations: Type.Array(Type.Object({
    namespace: Type.String(), workload: Type.String(), kind: Type.Union([Type.Literal('workspace'), Type.Literal('deployment')]), tenantId: OrNull(Type.String()),
    costChangePerMonth: N, target: Estimate, lowerBound: Estimate, upperBound: Estimate, current: Estimate,
    samples: N, historyDays: N, confidence: N, usage: Type.Object({ cpuP50: N, cpuP95: N, cpuMax: N, memoryMax: N }), pods: N,
  })),
  tenants: Type.Array(Type.Object({ tenantId: Type.String(), workspaces: N, resourceFactor: N, ratio: N })),
  utilisation: Type.Object({
    cpu: OrNull(N), memory: OrNull(N), cpuBand: Type.Array(N), memoryBand: Type.Array(N),
    cpuVerdict: Type.String(), memoryVerdict: Type.String(), cpuAtTarget: OrNull(N), memoryAtTarget: OrNull(N),
  }),
  costChangePerMonth: N,
  rates: OrNull(Type.Object({ cpuHour: N, gbHour: N })),
});

export async function rightsizingReport(db: Queryable, now = new Date(), tenantId?: string): Promise<RightsizingReport> {
  const [samples, rates] = await Promise.all([readWorkloadSamples(db, now, tenantId), ratesAt(db, now)]);
  const cpuHour = rates ? Number(rates.cpuHour.onDemand) : 0;
  const gbHour = rates ? Number(rates.gbHour.onDemand) : 0;
  const groups = new Map<string, StoredSample[]>();
  for (const s of samples) {
    const k = `${s.namespace}/${s.kind}/${s.workload}`;
    const list = groups.get(k) ?? [];
    list.push(s);
    groups.set(k, list);
  }
  const recs: WorkloadRecommendation[] = [];
  const recent = { cpuUse: 0, cpuReq: 0, memUse: 0, memReq: 0, cpuTarget: 0, memTarget: 0 };
  for (const list of groups.values()) {
    const r = recommend(list.map((s) => ({ at: s.at, cpu: s.cpu, memory: s.memory, cpuRequest: s.cpuRequest, memoryRequest: s.memoryRequest, pods: s.pods })), now.getTime());
    if (!r) continue;
    const s0 = list[0]!;
    const perPodHour = (r.target.cpu - r.current.cpu) * cpuHour + ((r.target.memory - r.current.memory) / GB) * gbHour;
    recs.push({ ...r, namespace: s0.namespace, workload: s0.workload, kind: s0.kind, tenantId: s0.tenantId, costChangePerMonth: perPodHour * r.pods * HOURS_PER_MONTH });
    for (const s of list) {
      if (s.at <= now.getTime() - UTILISATION_WINDOW_MS) continue;
      recent.cpuUse += s.cpu * s.pods; recent.cpuReq += s.cpuRequest * s.pods;
      recent.memUse += s.memory * s.pods; recent.memReq += s.memoryRequest * s.pods;
      recent.cpuTarget += r.target.cpu * s.pods; recent.memTarget += r.target.memory * s.pods;
    }
  }
  const byTenant = new Map<string, WorkloadRecommendation[]>();
  for (const r of recs) {
    if (r.kind !== 'workspace' || !r.tenantId) continue;
    byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r]);
  }
  const tenants = [...byTenant].map(([id, list]) => {
    const f = resourceFactorFor(list.map((r) => r.target), { cpu: BASE_CPU_CORES, memory: BASE_MEMORY_BYTES });
    return { tenantId: id, workspaces: list.length, resourceFactor: f.factor, ratio: f.ratio };
  });
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const cpu = ratio(recent.cpuUse, recent.cpuReq);
  const memory = ratio(recent.memUse, recent.memReq);
  return {
    generatedAt: now.toISOString(),
    recommendations: recs.sort((a, b) => a.costChangePerMonth - b.costChangePerMonth),
    tenants,
    utilisation: {
      cpu, memory, cpuBand: CPU_BAND, memoryBand: MEMORY_BAND, cpuVerdict: band(cpu, CPU_BAND), memoryVerdict: band(memory, MEMORY_BAND),
      cpuAtTarget: ratio(recent.cpuUse, recent.cpuTarget), memoryAtTarget: ratio(recent.memUse, recent.memTarget),
    },
    costChangePerMonth: recs.reduce((n, r) => n + r.costChangePerMonth, 0),
    rates: rates ? { cpuHour, gbHour } : null,
  };
}

/** The export: one CSV line per workload with its inputs and recommendation. */
export function rightsizingCsv(r: RightsizingReport): string {
  const head = ['namespace', 'kind', 'workload', 'tenant_id', 'pods', 'samples', 'history_days', 'cpu_request', 'cpu_p95_usage', 'cpu_target', 'cpu_lower', 'cpu_upper', 'memory_request_bytes', 'memory_max_usage_bytes', 'memory_target_bytes', 'memory_lower_bytes', 'memory_upper_bytes', 'cost_change_per_month_usd'];
  const q = (v: unknown) => { const s = String(v ?? ''); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  const rows = r.recommendations.map((x) => [x.namespace, x.kind, x.workload, x.tenantId, x.pods, x.samples, x.historyDays.toFixed(3), x.current.cpu.toFixed(3), x.usage.cpuP95.toFixed(3), x.target.cpu.toFixed(3), x.lowerBound.cpu.toFixed(3), x.upperBound.cpu.toFixed(3), Math.round(x.current.memory), Math.round(x.usage.memoryMax), Math.round(x.target.memory), Math.round(x.lowerBound.memory), Math.round(x.upperBound.memory), x.costChangePerMonth.toFixed(2)]);
  return [head, ...rows].map((row) => row.map(q).join(',')).join('\n') + '\n';
}
