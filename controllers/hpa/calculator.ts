// The HorizontalPodAutoscaler's replica calculator (kube-controller-manager,
// pkg/controller/podautoscaler/replica_calculator.go), ported rule for rule so that the same
// pods and metrics give the same replicas. Quantities are integer milli-units, as the HPA
// reads them (Quantity.MilliValue), and utilisation is a whole, truncated percent.
//
// Pure: pods, metrics and the clock come in; a proposal and its reasoning go out.

export const DEFAULT_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay */
export const INITIAL_READINESS_DELAY_MS = 30_000;

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** What the calculator needs of one pod of the target. */
export interface PodFacts {
  name: string;
  phase: PodPhase;
  /** metadata.deletionTimestamp is set */
  deleting: boolean;
  /** the Ready condition, or null when the pod has none */
  ready: { status: 'True' | 'False' | 'Unknown'; lastTransition: number } | null;
  /** status.startTime (ms), or null before the kubelet started it */
  startTime: number | null;
  /**
   * per resource: the sum of the requests of its containers (and restartable init
   * containers), milli-units; a string names the container that has none
   */
  requests: Record<string, number | { missingIn: string }>;
}

/** One pod's usage of one metric, milli-units, as metrics.k8s.io (or custom metrics) reports it. */
export interface PodSample {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodSamples = Map<string, PodSample>;

export interface Tolerances {
  scaleUp: number;
  scaleDown: number;
}
export const DEFAULT_TOLERANCES: Tolerances = { scaleUp: DEFAULT_TOLERANCE, scaleDown: DEFAULT_TOLERANCE };
const isWithin = (t: Tolerances, ratio: number) => 1 - t.scaleDown <= ratio && ratio <= 1 + t.scaleUp;

export type LeftOutReason = 'failed' | 'deleting' | 'pending' | 'unready' | 'initializing' | 'missing metrics';

export interface PodView {
  name: string;
  /** this pod's usage in milli-units, when it has a sample */
  usage?: number;
  request?: number;
  /** whole percent of its request, for resource utilisation targets */
  utilization?: number;
  /** why the first pass left it out */
  leftOut?: LeftOutReason;
  /** what the second pass assumed for it (milli-units) */
  assumed?: number;
}

export interface Proposal {
  replicas: number;
  /** the metric's current value: a percent (Utilization) or milli-units per pod or in total */
  current: number;
  /** per pod: usage, utilisation, and why a pod was left out */
  pods: PodView[];
  /** the steps that led to `replicas`, in words */
  steps: string[];
  /** the usage ratio of the first pass and, when there was one, of the second */
  ratio: number;
  rebalancedRatio?: number;
}

export class MetricError extends Error {}

export interface CalcOptions {
  now: number;
  tolerances?: Tolerances;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

interface Groups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
  reasons: Map<string, LeftOutReason>;
}

/**
 * groupPods: failed and deleting pods are ignored; pending ones are unready; pods with no
 * sample are missing; for CPU, a pod is unready while it initialises (its first sample
 * after becoming ready is not in yet) or when it is not ready and never was.
 */
export function groupPods(pods: readonly PodFacts[], samples: PodSamples, resource: string, o: CalcOptions): Groups {
  const g: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set(), reasons: new Map() };
  const initMs = o.cpuInitializationPeriodMs ?? CPU_INITIALIZATION_PERIOD_MS;
  const delayMs = o.initialReadinessDelayMs ?? INITIAL_READINESS_DELAY_MS;
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') {
      g.ignored.add(pod.name);
      g.reasons.set(pod.name, pod.deleting ? 'deleting' : 'failed');
      continue;
    }
    if (pod.phase === 'Pending') {
      g.unready.add(pod.name);
      g.reasons.set(pod.name, 'pending');
      continue;
    }
    const sample = samples.get(pod.name);
    if (!sample) {
      g.missing.add(pod.name);
      g.reasons.set(pod.name, 'missing metrics');
      continue;
    }
    if (resource === 'cpu') {
      let unready: boolean;
      let reason: LeftOutReason = 'unready';
      if (!pod.ready || pod.startTime === null) {
        unready = true;
      } else if (pod.startTime + initMs > o.now) {
        // Within the initialisation period: only a sample taken wholly after it became ready counts.
        unready = pod.ready.status === 'False' || sample.timestamp < pod.ready.lastTransition + sample.windowMs;
        reason = pod.ready.status === 'False' ? 'unready' : 'initializing';
      } else {
        // Afterwards: ignored only if it is not ready and has never been.
        unready = pod.ready.status === 'False' && pod.startTime + delayMs > pod.ready.lastTransition;
      }
      if (unready) {
        g.unready.add(pod.name);
        g.reasons.set(pod.name, reason);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** Every pod's request for `resource`; a container without one is an error, as in the HPA. */
export function podRequestsOf(pods: readonly PodFacts[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const r = pod.requests[resource];
    if (r === undefined || typeof r !== 'number') {
      throw new MetricError(`missing request for ${resource} in container ${typeof r === 'object' ? r.missingIn : '(any)'} of Pod ${pod.name}`);
    }
    out.set(pod.name, r);
  }
  return out;
}

/** GetResourceUtilizationRatio: sums over pods that have both a sample and a request. */
export function utilizationRatio(samples: PodSamples, requests: Map<string, number>, targetUtilization: number) {
  let total = 0n;
  let requested = 0n;
  let n = 0;
  for (const [name, s] of samples) {
    const r = requests.get(name);
    if (r === undefined) continue;
    total += BigInt(Math.round(s.value));
    requested += BigInt(Math.round(r));
    n++;
  }
  if (requested === 0n) throw new MetricError('no metrics returned matched known pods');
  const utilization = Number((total * 100n) / requested);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Number(total / BigInt(n)) };
}

/** GetMetricUsageRatio: the average per pod (integer milli-units) against the target. */
export function usageRatio(samples: PodSamples, targetUsage: number) {
  let total = 0;
  for (const s of samples.values()) total += Math.round(s.value);
  const average = Math.trunc(total / samples.size);
  return { ratio: average / targetUsage, average };
}

function podViews(pods: readonly PodFacts[], samples: PodSamples, requests: Map<string, number> | null, g: Groups): PodView[] {
  return pods.map((p) => {
    const s = samples.get(p.name);
    const request = requests?.get(p.name);
    const v: PodView = { name: p.name };
    if (s) v.usage = Math.round(s.value);
    if (request !== undefined) v.request = request;
    if (s && request) v.utilization = Math.trunc((Math.round(s.value) * 100) / request);
    const why = g.reasons.get(p.name);
    if (why) v.leftOut = why;
    return v;
  });
}

const pct = (r: number) => r.toFixed(3);

/**
 * GetResourceReplicas (Utilization targets): the first pass over ready pods; when pods
 * were missing or unready, a second pass assumes missing pods at 100 % (or the target, if
 * higher) on a scale-down and 0 % on a scale-up, unready pods at 0 % on a scale-up, and
 * keeps the current count if that would reverse the direction or fall within tolerance.
 */
export function resourceReplicas(
  currentReplicas: number, targetUtilization: number, resource: string,
  pods: readonly PodFacts[], rawSamples: PodSamples, o: CalcOptions,
): Proposal {
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  if (rawSamples.size === 0) throw new MetricError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
  const tol = o.tolerances ?? DEFAULT_TOLERANCES;
  const g = groupPods(pods, rawSamples, resource, o);
  const samples: PodSamples = new Map(rawSamples);
  for (const n of [...g.ignored, ...g.unready]) samples.delete(n);
  const requests = podRequestsOf(pods, resource);
  const views = podViews(pods, rawSamples, requests, g);
  if (samples.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const first = utilizationRatio(samples, requests, targetUtilization);
  const steps = [`${resource} utilisation ${first.utilization}% of requests over ${samples.size} pod(s) against a target of ${targetUtilization}%: ratio ${pct(first.ratio)}`];
  const base = { current: first.utilization, pods: views, ratio: first.ratio };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (isWithin(tol, first.ratio)) return { ...base, replicas: currentReplicas, steps: [...steps, `within the tolerance of ${tol.scaleDown}/${tol.scaleUp}: keep ${currentReplicas}`] };
    const replicas = Math.ceil(first.ratio * g.readyCount);
    return { ...base, replicas, steps: [...steps, `ceil(${pct(first.ratio)} × ${g.readyCount} ready pod(s)) = ${replicas}`] };
  }
  if (g.missing.size > 0) {
    if (first.ratio < 1) {
      const fallback = Math.max(100, targetUtilization);
      for (const n of g.missing) samples.set(n, { value: Math.trunc((requests.get(n)! * fallback) / 100), timestamp: o.now, windowMs: 0 });
      steps.push(`${g.missing.size} pod(s) without metrics assumed at ${fallback}% on a scale-down`);
    } else if (first.ratio > 1) {
      for (const n of g.missing) samples.set(n, { value: 0, timestamp: o.now, windowMs: 0 });
      steps.push(`${g.missing.size} pod(s) without metrics assumed at 0% on a scale-up`);
    }
  }
  if (scaleUpWithUnready) {
    for (const n of g.unready) samples.set(n, { value: 0, timestamp: o.now, windowMs: 0 });
    steps.push(`${g.unready.size} unready pod(s) assumed at 0% on a scale-up`);
  }
  for (const v of views) {
    const s = samples.get(v.name);
    if (v.leftOut && s) v.assumed = s.value;
  }
  const second = utilizationRatio(samples, requests, targetUtilization);
  steps.push(`second pass: ratio ${pct(second.ratio)} over ${samples.size} pod(s)`);
  const out = { ...base, rebalancedRatio: second.ratio };
  if (isWithin(tol, second.ratio) || (first.ratio > 1 && second.ratio < 1) || (first.ratio < 1 && second.ratio > 1)) {
    return { ...out, replicas: currentReplicas, steps: [...steps, isWithin(tol, second.ratio) ? `within tolerance: keep ${currentReplicas}` : `the second pass reverses the direction: keep ${currentReplicas}`] };
  }
  const replicas = Math.ceil(second.ratio * samples.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) {
    return { ...out, replicas: currentReplicas, steps: [...steps, `ceil(${pct(second.ratio)} × ${samples.size}) = ${replicas} would move against the metric: keep ${currentReplicas}`] };
  }
  return { ...out, replicas, steps: [...steps, `ceil(${pct(second.ratio)} × ${samples.size}) = ${replicas}`] };
}

/**
 * calcPlainMetricReplicas (Pods metrics, and resources with an AverageValue target): the
 * same two passes on the raw per-pod average. Missing pods are assumed at the target on a
 * scale-down and at 0 on a scale-up; readiness counts for CPU only.
 */
export function plainReplicas(
  currentReplicas: number, targetUsage: number, resource: string,
  pods: readonly PodFacts[], rawSamples: PodSamples, o: CalcOptions,
): Proposal {
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  if (rawSamples.size === 0) throw new MetricError(`unable to get metric ${resource}: no metrics returned`);
  const tol = o.tolerances ?? DEFAULT_TOLERANCES;
  const g = groupPods(pods, rawSamples, resource, o);
  const samples: PodSamples = new Map(rawSamples);
  for (const n of [...g.ignored, ...g.unready]) samples.delete(n);
  const views = podViews(pods, rawSamples, null, g);
  if (samples.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const first = usageRatio(samples, targetUsage);
  const steps = [`${resource} averages ${first.average}m per pod over ${samples.size} pod(s) against ${targetUsage}m: ratio ${pct(first.ratio)}`];
  const base = { current: first.average, pods: views, ratio: first.ratio };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (isWithin(tol, first.ratio)) return { ...base, replicas: currentReplicas, steps: [...steps, `within tolerance: keep ${currentReplicas}`] };
    const replicas = Math.ceil(first.ratio * g.readyCount);
    return { ...base, replicas, steps: [...steps, `ceil(${pct(first.ratio)} × ${g.readyCount} ready pod(s)) = ${replicas}`] };
  }
  if (g.missing.size > 0) {
    const assumed = first.ratio < 1 ? targetUsage : first.ratio > 1 ? 0 : null;
    if (assumed !== null) for (const n of g.missing) samples.set(n, { value: assumed, timestamp: o.now, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) samples.set(n, { value: 0, timestamp: o.now, windowMs: 0 });
  for (const v of views) {
    const s = samples.get(v.name);
    if (v.leftOut && s) v.assumed = s.value;
  }
  const second = usageRatio(samples, targetUsage);
  steps.push(`second pass: ratio ${pct(second.ratio)} over ${samples.size} pod(s)`);
  const out = { ...base, rebalancedRatio: second.ratio };
  if (isWithin(tol, second.ratio) || (first.ratio > 1 && second.ratio < 1) || (first.ratio < 1 && second.ratio > 1)) {
    return { ...out, replicas: currentReplicas, steps: [...steps, `within tolerance or reversed: keep ${currentReplicas}`] };
  }
  const replicas = Math.ceil(second.ratio * samples.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) {
    return { ...out, replicas: currentReplicas, steps: [...steps, `ceil = ${replicas} would move against the metric: keep ${currentReplicas}`] };
  }
  return { ...out, replicas, steps: [...steps, `ceil(${pct(second.ratio)} × ${samples.size}) = ${replicas}`] };
}

/** The ready pods getUsageRatioReplicaCount counts: running, not deleting, Ready=True. */
export function readyPodCount(pods: readonly PodFacts[]): number {
  return pods.filter((p) => p.phase === 'Running' && !p.deleting && p.ready?.status === 'True').length;
}

/**
 * GetExternalMetricReplicas / GetObjectMetricReplicas with a Value target: the total
 * against the target, times the ready pods (unready pods are ignored); from zero
 * replicas, the ratio itself.
 */
export function valueReplicas(currentReplicas: number, usage: number, targetValue: number, pods: readonly PodFacts[], o: CalcOptions): Proposal {
  const tol = o.tolerances ?? DEFAULT_TOLERANCES;
  const ratio = usage / targetValue;
  const steps = [`value ${usage}m against a target of ${targetValue}m: ratio ${pct(ratio)}`];
  const base = { current: usage, pods: [] as PodView[], ratio };
  if (currentReplicas !== 0) {
    if (isWithin(tol, ratio)) return { ...base, replicas: currentReplicas, steps: [...steps, `within tolerance: keep ${currentReplicas}`] };
    const ready = readyPodCount(pods);
    if (ready === 0) throw new MetricError('unable to calculate ready pods: no ready pods');
    const replicas = Math.ceil(ratio * ready);
    return { ...base, replicas, steps: [...steps, `ceil(${pct(ratio)} × ${ready} ready pod(s)) = ${replicas}`] };
  }
  const replicas = Math.ceil(ratio);
  return { ...base, replicas, steps: [...steps, `from zero: ceil(${pct(ratio)}) = ${replicas}`] };
}

/**
 * GetExternalPerPodMetricReplicas / GetObjectPerPodMetricReplicas with an AverageValue
 * target: the total spread over the replicas the scale subresource reports.
 */
export function averageValueReplicas(currentReplicas: number, statusReplicas: number, usage: number, targetPerPod: number, o: CalcOptions): Proposal {
  const tol = o.tolerances ?? DEFAULT_TOLERANCES;
  const ratio = usage / (targetPerPod * statusReplicas);
  const steps = [`total ${usage}m over ${statusReplicas} replica(s) against ${targetPerPod}m per pod: ratio ${pct(ratio)}`];
  const current = Math.trunc(Math.ceil(usage / statusReplicas));
  if (isWithin(tol, ratio)) return { current, pods: [], ratio, replicas: currentReplicas, steps: [...steps, `within tolerance: keep ${currentReplicas}`] };
  const replicas = Math.ceil(usage / targetPerPod);
  return { current, pods: [], ratio, replicas, steps: [...steps, `ceil(${usage} / ${targetPerPod}) = ${replicas}`] };
}
