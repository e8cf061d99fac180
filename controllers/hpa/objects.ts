// Kubernetes objects in, calculator facts out: an autoscaling/v2 HorizontalPodAutoscaler,
// pods, and metrics.k8s.io PodMetrics. Quantities become milli-units as the HPA reads them.
// Shapes are structural (plain JSON as the API serves it), so a file and the client agree.
import { parseQuantity } from '../../kube/quantity.ts';
import type { Behavior, ScalingPolicy, ScalingRules, SelectPolicy } from './behavior.ts';
import type { PodFacts, PodPhase, PodSamples } from './calculator.ts';
import type { HpaSpec, MetricSpec, MetricTarget } from './hpa.ts';

export class ObjectError extends Error {}

type Json = Record<string, any>;

/** Quantity.MilliValue(): rounded up to a whole milli-unit. */
export function milli(q: unknown, what: string): number {
  const v = typeof q === 'number' || typeof q === 'string' ? parseQuantity(q) : undefined;
  if (v === undefined) throw new ObjectError(`${what}: "${String(q)}" is not a Kubernetes quantity`);
  return Math.ceil(Math.round(v * 1e9) / 1e6);
}

const time = (v: unknown): number | null => {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
};

/** metav1.Duration or the metrics API's window: `30s`, `1m0s`, `1m30.5s`. */
export function durationMs(v: unknown): number {
  if (typeof v !== 'string') return 0;
  let ms = 0;
  for (const [, n, unit] of v.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) {
    ms += Number(n) * ({ h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as Record<string, number>)[unit!]!;
  }
  return ms;
}

const CONTAINER_RESOURCES = ['cpu', 'memory'];

/** What the HPA knows of a pod: phase, deletion, readiness, start, and requests per resource. */
export function podFacts(pod: Json): PodFacts {
  const name = pod?.metadata?.name;
  if (typeof name !== 'string' || !name) throw new ObjectError('a pod without metadata.name');
  const containers: Json[] = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c: Json) => c.restartPolicy === 'Always'),
  ];
  const requests: PodFacts['requests'] = {};
  for (const r of CONTAINER_RESOURCES) {
    let sum = 0;
    let missing: string | null = null;
    for (const c of containers) {
      const q = c.resources?.requests?.[r];
      if (q === undefined) { missing ??= c.name ?? '(unnamed)'; continue; }
      sum += milli(q, `pod ${name} container ${c.name} requests.${r}`);
    }
    requests[r] = missing !== null || containers.length === 0 ? { missingIn: missing ?? '(none)' } : sum;
  }
  const cond = (pod.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  return {
    name,
    phase: (pod.status?.phase ?? 'Pending') as PodPhase,
    deleting: Boolean(pod.metadata?.deletionTimestamp),
    ready: cond ? { status: cond.status, lastTransition: time(cond.lastTransitionTime) ?? 0 } : null,
    startTime: time(pod.status?.startTime),
    requests,
  };
}

/**
 * getPodMetrics: a pod's usage of `resource` is the sum over its containers; a pod with a
 * container that lacks the resource, or with no containers, has no sample.
 */
export function podSamples(items: readonly Json[], resource: string, pick?: (item: Json) => boolean): PodSamples {
  const out: PodSamples = new Map();
  for (const m of items) {
    if (pick && !pick(m)) continue;
    const cs: Json[] = m.containers ?? [];
    if (cs.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of cs) {
      const q = c.usage?.[resource];
      if (q === undefined) { missing = true; break; }
      sum += milli(q, `metrics of pod ${m.metadata?.name} container ${c.name} ${resource}`);
    }
    if (missing) continue;
    out.set(m.metadata?.name, { value: sum, timestamp: time(m.timestamp) ?? 0, windowMs: durationMs(m.window) });
  }
  return out;
}

function target(t: Json | undefined, where: string): MetricTarget {
  switch (t?.type) {
    case 'Utilization': {
      const u = t.averageUtilization;
      if (!Number.isInteger(u) || u < 1) throw new ObjectError(`${where}.target.averageUtilization must be a whole percent of at least 1`);
      return { type: 'Utilization', averageUtilization: u };
    }
    case 'AverageValue': return { type: 'AverageValue', averageValue: milli(t.averageValue, `${where}.target.averageValue`) };
    case 'Value': return { type: 'Value', value: milli(t.value, `${where}.target.value`) };
    default: throw new ObjectError(`${where}.target.type must be Utilization, AverageValue or Value`);
  }
}

function rules(r: Json | undefined, where: string): ScalingRules | undefined {
  if (r === undefined || r === null) return undefined;
  const out: ScalingRules = {};
  if (r.stabilizationWindowSeconds !== undefined) {
    const s = r.stabilizationWindowSeconds;
    if (!Number.isInteger(s) || s < 0 || s > 3600) throw new ObjectError(`${where}.stabilizationWindowSeconds must be 0..3600`);
    out.stabilizationWindowSeconds = s;
  }
  if (r.selectPolicy !== undefined) {
    if (!['Max', 'Min', 'Disabled'].includes(r.selectPolicy)) throw new ObjectError(`${where}.selectPolicy must be Max, Min or Disabled`);
    out.selectPolicy = r.selectPolicy as SelectPolicy;
  }
  if (r.policies !== undefined) {
    if (!Array.isArray(r.policies)) throw new ObjectError(`${where}.policies must be a list`);
    out.policies = r.policies.map((p: Json, k: number): ScalingPolicy => {
      if (p.type !== 'Pods' && p.type !== 'Percent') throw new ObjectError(`${where}.policies[${k}].type must be Pods or Percent`);
      if (!Number.isInteger(p.value) || p.value < 1) throw new ObjectError(`${where}.policies[${k}].value must be a positive integer`);
      if (!Number.isInteger(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) throw new ObjectError(`${where}.policies[${k}].periodSeconds must be 1..1800`);
      return { type: p.type, value: p.value, periodSeconds: p.periodSeconds };
    });
  }
  return out;
}

export function behaviorOf(b: Json | undefined): Behavior | undefined {
  if (b === undefined || b === null) return undefined;
  const up = rules(b.scaleUp, 'spec.behavior.scaleUp');
  const down = rules(b.scaleDown, 'spec.behavior.scaleDown');
  return { ...(up ? { scaleUp: up } : {}), ...(down ? { scaleDown: down } : {}) };
}

/** An autoscaling/v2 HorizontalPodAutoscaler's spec, checked as the API server would. */
export function hpaSpecOf(hpa: Json): HpaSpec {
  if (hpa?.apiVersion !== 'autoscaling/v2' || hpa?.kind !== 'HorizontalPodAutoscaler') {
    throw new ObjectError(`expected apiVersion autoscaling/v2, kind HorizontalPodAutoscaler; got ${hpa?.apiVersion}/${hpa?.kind}`);
  }
  const s = hpa.spec ?? {};
  const minReplicas = s.minReplicas ?? 1;
  if (!Number.isInteger(minReplicas) || minReplicas < 0) throw new ObjectError('spec.minReplicas must be a non-negative integer');
  if (!Number.isInteger(s.maxReplicas) || s.maxReplicas < 1 || s.maxReplicas < minReplicas) throw new ObjectError('spec.maxReplicas must be an integer ≥ 1 and ≥ minReplicas');
  // The API server's default: 80 % CPU when no metric is listed.
  const raw: Json[] = s.metrics?.length ? s.metrics : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  const metrics = raw.map((m, k): MetricSpec => {
    const where = `spec.metrics[${k}]`;
    if (m.type === 'Resource') {
      const r = m.resource;
      if (!['cpu', 'memory'].includes(r?.name)) throw new ObjectError(`${where}: only cpu and memory resources are supported`);
      return { type: 'Resource', resource: r.name, target: target(r.target, where) };
    }
    if (m.type === 'Pods') return { type: 'Pods', name: String(m.pods?.metric?.name ?? ''), target: target(m.pods?.target, where) };
    if (m.type === 'External') return { type: 'External', name: String(m.external?.metric?.name ?? ''), target: target(m.external?.target, where) };
    if (m.type === 'Object') return { type: 'External', name: String(m.object?.metric?.name ?? ''), target: target(m.object?.target, where) };
    throw new ObjectError(`${where}.type must be Resource, Pods, Object or External (ContainerResource is not supported)`);
  });
  const behavior = behaviorOf(s.behavior);
  return { minReplicas, maxReplicas: s.maxReplicas, metrics, ...(behavior ? { behavior } : {}) };
}
