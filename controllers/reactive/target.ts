// What an operator lists for the reactive autoscaler: a Deployment, its bounds, its
// metrics (CPU or memory from metrics.k8s.io, or any PromQL query) and, optionally, HPA
// `behavior` and cooldowns. One TypeBox schema gives the API's validation and the types.
import { Type, type Static } from 'typebox';
import type { HpaSpec, MetricSpec } from '../hpa/hpa.ts';

/** The roadmap's defaults: min 2 / max 10 instances, CPU 70 %, cooldowns 300 s up / 600 s down. */
export const DEFAULT_MIN_REPLICAS = 2;
export const DEFAULT_MAX_REPLICAS = 10;
export const DEFAULT_CPU_TARGET = 70;
export const DEFAULT_COOLDOWN = { upSeconds: 300, downSeconds: 600 };

const Policy = Type.Object({
  type: Type.Union([Type.Literal('Pods'), Type.Literal('Percent')]),
  value: Type.Integer({ minimum: 1, maximum: 10_000 }),
  periodSeconds: Type.Integer({ minimum: 1, maximum: 1800 }),
}, { additionalProperties: false });
const Rules = Type.Object({
  stabilizationWindowSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  selectPolicy: Type.Optional(Type.Union([Type.Literal('Max'), Type.Literal('Min'), Type.Literal('Disabled')])),
  policies: Type.Optional(Type.Array(Policy, { minItems: 1, maxItems: 10 })),
}, { additionalProperties: false });

const ResourceMetric = Type.Object({
  type: Type.Literal('Resource'),
  resource: Type.Union([Type.Literal('cpu'), Type.Literal('memory')]),
  /** percent of the pods' requests */
  averageUtilization: Type.Integer({ minimum: 1, maximum: 1000 }),
}, { additionalProperties: false });
const PromMetric = Type.Object({
  type: Type.Literal('Prometheus'),
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z_:][a-zA-Z0-9_:.-]*$' }),
  query: Type.String({ minLength: 1, maxLength: 2000, description: 'an instant PromQL query answering one number for the whole Deployment' }),
  /** Value: the total against a target; AverageValue: the total per replica */
  targetType: Type.Union([Type.Literal('Value'), Type.Literal('AverageValue')]),
  target: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
}, { additionalProperties: false });

export const TargetSpec = Type.Object({
  minReplicas: Type.Integer({ minimum: 0, maximum: 1000, default: DEFAULT_MIN_REPLICAS }),
  maxReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_MAX_REPLICAS }),
  metrics: Type.Array(Type.Union([ResourceMetric, PromMetric]), { minItems: 1, maxItems: 10 }),
  behavior: Type.Optional(Type.Object({ scaleUp: Type.Optional(Rules), scaleDown: Type.Optional(Rules) }, { additionalProperties: false })),
  /** the roadmap's timer on top of the HPA rules; null turns it off for this target */
  cooldown: Type.Optional(Type.Union([Type.Null(), Type.Object({
    upSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
    downSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
  }, { additionalProperties: false })])),
}, { additionalProperties: false });
export type TargetSpecT = Static<typeof TargetSpec>;

export interface ReactiveTarget {
  namespace: string;
  name: string;
  spec: TargetSpecT;
}

export const targetKey = (t: { namespace: string; name: string }) => `${t.namespace}/${t.name}`;

/** The cooldown in force: the target's own, none if it says null, else the roadmap's. */
export function cooldownOf(spec: TargetSpecT): { upSeconds: number; downSeconds: number } | null {
  return spec.cooldown === undefined ? DEFAULT_COOLDOWN : spec.cooldown;
}

/** The target as the HPA engine reads it: PromQL values in milli-units, as the HPA's Quantity. */
export function hpaSpecOfTarget(spec: TargetSpecT): HpaSpec {
  const metrics: MetricSpec[] = spec.metrics.map((m) => m.type === 'Resource'
    ? { type: 'Resource', resource: m.resource, target: { type: 'Utilization', averageUtilization: m.averageUtilization } }
    : { type: 'External', name: m.name, target: m.targetType === 'Value' ? { type: 'Value', value: Math.round(m.target * 1000) } : { type: 'AverageValue', averageValue: Math.round(m.target * 1000) } });
  return { minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics, ...(spec.behavior ? { behavior: spec.behavior } : {}) };
}
