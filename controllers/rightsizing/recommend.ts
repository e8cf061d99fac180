// Requests recommended the way the VPA recommender does (logic/recommender.go,
// estimator.go): CPU from every usage sample, weighted by the request; memory from the
// peak of each 24-hour interval; target = 90th percentile, bounds 50th / 95th, plus a 15 %
// safety margin; bounds widened while there is little history (confidence in days);
// never below 25 millicores and 250 MiB. Then what it means for a tenant (the resource
// factor its workspaces should get) and for the fleet (utilisation bands, cost). Pure.
import { CPU_HISTOGRAM, DecayingHistogram, MEMORY_HISTOGRAM } from './histogram.ts';

export const TARGET_PERCENTILE = 0.9;
export const LOWER_PERCENTILE = 0.5;
export const UPPER_PERCENTILE = 0.95;
export const SAFETY_MARGIN = 0.15;
export const MIN_CPU = 0.025;
export const MIN_MEMORY = 250 * 2 ** 20;
const MIN_CPU_SAMPLE_WEIGHT = 0.1;
const MEMORY_AGGREGATION_MS = 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

/** The roadmap's bands: CPU 70–80 %, memory 75–85 % of requests. */
export const CPU_BAND = [0.7, 0.8] as const;
export const MEMORY_BAND = [0.75, 0.85] as const;

export interface UsageSample {
  at: number;
  /** cores and bytes used, per pod */
  cpu: number;
  memory: number;
  /** cores and bytes requested, per pod */
  cpuRequest: number;
  memoryRequest: number;
  pods: number;
}

export interface Estimate {
  cpu: number;
  memory: number;
}

export interface Recommendation {
  target: Estimate;
  lowerBound: Estimate;
  upperBound: Estimate;
  /** what the workload requests now (per pod, latest sample) */
  current: Estimate;
  /** the inputs: samples, days of history, the confidence, observed usage */
  samples: number;
  historyDays: number;
  confidence: number;
  usage: { cpuP50: number; cpuP95: number; cpuMax: number; memoryMax: number };
  pods: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : 0);

export function recommend(samples: readonly UsageSample[], now: number): Recommendation | null {
  if (samples.length === 0) return null;
  const cpu = new DecayingHistogram(CPU_HISTOGRAM, now);
  const mem = new DecayingHistogram(MEMORY_HISTOGRAM, now);
  const peaks = new Map<number, { value: number; at: number }>();
  let first = Infinity;
  for (const s of samples) {
    cpu.addSample(s.cpu, Math.max(s.cpuRequest, MIN_CPU_SAMPLE_WEIGHT), s.at);
    const interval = Math.floor(s.at / MEMORY_AGGREGATION_MS);
    const peak = peaks.get(interval);
    if (!peak || s.memory > peak.value) peaks.set(interval, { value: s.memory, at: s.at });
    first = Math.min(first, s.at);
  }
  for (const p of peaks.values()) mem.addSample(p.value, 1, p.at);
  // getConfidence: days of history, but no more than the samples (one a minute) would cover.
  const historyDays = (now - first) / DAY_MS;
  const confidence = Math.max(1e-3, Math.min(historyDays, samples.length / (60 * 24)));
  const margin = 1 + SAFETY_MARGIN;
  const est = (p: number, multiplier = 1): Estimate => ({
    cpu: Math.max(MIN_CPU, cpu.percentile(p) * margin * multiplier),
    memory: Math.max(MIN_MEMORY, mem.percentile(p) * margin * multiplier),
  });
  const latest = samples.reduce((a, b) => (b.at > a.at ? b : a));
  const cpus = samples.map((s) => s.cpu).sort((a, b) => a - b);
  return {
    target: est(TARGET_PERCENTILE),
    lowerBound: est(LOWER_PERCENTILE, (1 + 0.001 / confidence) ** -2),
    upperBound: est(UPPER_PERCENTILE, (1 + 1 / confidence) ** 1),
    current: { cpu: latest.cpuRequest, memory: latest.memoryRequest },
    samples: samples.length, historyDays, confidence,
    usage: { cpuP50: pct(cpus, 0.5), cpuP95: pct(cpus, 0.95), cpuMax: cpus.at(-1)!, memoryMax: Math.max(...samples.map((s) => s.memory)) },
    pods: latest.pods,
  };
}

/**
 * What to apply: the target, but never below what the pod uses now (its latest sample),
 * so that applying a recommendation cannot evict or throttle a running workload.
 */
export function applicableRequests(r: Recommendation, latestUsage: Estimate): Estimate {
  return { cpu: Math.max(r.target.cpu, latestUsage.cpu), memory: Math.max(r.target.memory, latestUsage.memory) };
}

export const RESOURCE_FACTORS = [1, 2, 4, 8] as const;

/**
 * The resource factor a tenant's workspaces should get: the smallest factor whose sandbox
 * covers the 90th percentile of its workspaces' recommended targets (CPU and memory alike).
 */
export function resourceFactorFor(targets: readonly Estimate[], base: Estimate): { factor: number; ratio: number } {
  if (!targets.length) return { factor: 1, ratio: 0 };
  const ratios = targets.map((t) => Math.max(t.cpu / base.cpu, t.memory / base.memory)).sort((a, b) => a - b);
  const ratio = pct(ratios, 0.9);
  return { factor: RESOURCE_FACTORS.find((f) => f >= ratio) ?? 8, ratio };
}

export type BandVerdict = 'below' | 'within' | 'above' | 'no data';

export function band(value: number | null, [lo, hi]: readonly [number, number]): BandVerdict {
  if (value === null) return 'no data';
  return value < lo ? 'below' : value > hi ? 'above' : 'within';
}
