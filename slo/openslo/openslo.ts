// OpenSLO v1 documents as TypeBox schemas, every kind of the specification: Service, SLI,
// SLO, DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget. The schemas check
// shape only (which fields, which types, which ranges); the rules between fields (one of
// target or targetPercent, good or bad, …) are in rules.ts, so that each mistake is told
// once, by the rule it breaks, and never as a cascade of union branches. Each
// `description` doubles as the fix printed when a field is wrong, so it says what to write.
// Checked against the specification's README and the go-sdk's validation (v1).
import { Type, type Static, type TSchema } from 'typebox';
import { DURATION_PATTERN } from '../math/duration.ts';

export const API_VERSION = 'openslo/v1';
export const KINDS = ['Service', 'SLI', 'SLO', 'DataSource', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'] as const;
export type Kind = (typeof KINDS)[number];

export const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** metadata.labels keys (the specification's rule: alphanumerics at both ends, `-._` between) */
export const LABEL_KEY = /^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
/** metadata.annotations keys: an optional DNS-subdomain prefix and "/", then a name like a label key */
export const ANNOTATION_KEY = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\/)?[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

const Name = Type.String({ pattern: NAME_PATTERN, maxLength: 63, description: 'a lowercase DNS label: letters, digits and "-", at most 63 characters, such as api-availability' });
const Text = (max: number) => Type.String({ maxLength: max, description: `text of at most ${max} characters` });
const Enum = (values: readonly string[], description: string) => Type.String({ pattern: `^(${values.join('|')})$`, description });
export const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'a duration shorthand: a whole number and one of m, h, d, w, M, Q, Y, such as 5m, 1h, 28d, 4w, 1M' });
const Anything = Type.Unknown();

export const Metadata = Type.Object({
  name: Name,
  displayName: Type.Optional(Type.String({ maxLength: 63, description: 'text of at most 63 characters' })),
  labels: Type.Optional(Type.Record(Type.String(), Anything, { description: 'a map of label keys to a string or a list of strings' })),
  annotations: Type.Optional(Type.Record(Type.String(), Anything, { description: 'a map of annotation keys to strings' })),
}, { additionalProperties: false });

const doc = <S extends TSchema>(kind: Kind, spec: S, specRequired = true) => Type.Object({
  apiVersion: Type.Literal(API_VERSION, { description: `apiVersion: ${API_VERSION}` }),
  kind: Type.Literal(kind),
  metadata: Metadata,
  spec: specRequired ? spec : Type.Optional(spec),
}, { additionalProperties: false });

export const MetricSource = Type.Object({
  metricSourceRef: Type.Optional(Type.String({ pattern: NAME_PATTERN, description: 'the metadata.name of a DataSource document' })),
  type: Type.Optional(Type.String({ description: 'a data source type such as Prometheus or PostgreSQL' })),
  spec: Type.Record(Type.String(), Anything, { minProperties: 1, description: 'the query for this source, a non-empty map: {query: <PromQL selector>} for Prometheus, {dataset: …} for PostgreSQL' }),
}, { additionalProperties: false });
export const Metric = Type.Object({ metricSource: MetricSource }, { additionalProperties: false });

export const RatioMetric = Type.Object({
  counter: Type.Optional(Type.Boolean({ description: 'true when good/bad/total are monotonic counters (false when omitted)' })),
  good: Type.Optional(Metric),
  bad: Type.Optional(Metric),
  total: Type.Optional(Metric),
  rawType: Type.Optional(Enum(['success', 'failure'], 'success or failure')),
  raw: Type.Optional(Metric),
}, { additionalProperties: false });

export const SliSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  thresholdMetric: Type.Optional(Metric),
  ratioMetric: Type.Optional(RatioMetric),
}, { additionalProperties: false });
export const InlineSli = Type.Object({ metadata: Metadata, spec: SliSpec }, { additionalProperties: false });

export const OPS = ['lte', 'gte', 'lt', 'gt'] as const;
export const Objective = Type.Object({
  displayName: Type.Optional(Type.String({ description: 'text' })),
  op: Type.Optional(Enum(OPS, 'one of lte, lt, gte, gt')),
  value: Type.Optional(Type.Number({ description: 'the threshold a thresholdMetric is compared with, such as 0.2 (seconds)' })),
  target: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'a fraction in [0, 1) such as 0.999, or use targetPercent: 99.9 instead' })),
  targetPercent: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 100, description: 'a percentage in [0, 100) such as 99.9' })),
  timeSliceTarget: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'the good ratio a timeslice must reach, a fraction in (0, 1] such as 0.95' })),
  timeSliceWindow: Type.Optional(Type.Union([Duration, Type.Number({ exclusiveMinimum: 0 })], { description: 'a duration such as 1m or 5m (a bare number counts minutes)' })),
  indicator: Type.Optional(InlineSli),
  indicatorRef: Type.Optional(Type.String({ pattern: NAME_PATTERN, description: 'the metadata.name of an SLI document' })),
  compositeWeight: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'a positive weight such as 1' })),
}, { additionalProperties: false });

export const TimeWindow = Type.Object({
  duration: Duration,
  isRolling: Type.Optional(Type.Boolean({ description: 'true for a rolling window; false (or omitted) with calendar' })),
  calendar: Type.Optional(Type.Object({
    startTime: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', description: 'a local date and time "YYYY-MM-DD HH:MM:SS" without a zone, such as 2026-01-01 00:00:00' }),
    timeZone: Type.String({ minLength: 1, description: 'an IANA time zone such as UTC or Europe/Paris' }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const AlertConditionSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  severity: Type.String({ minLength: 1, description: 'a severity such as page or ticket' }),
  condition: Type.Object({
    kind: Type.Optional(Enum(['burnrate'], 'burnrate')),
    op: Enum(OPS, 'one of gt, gte, lt, lte (gt: fire above the threshold)'),
    threshold: Type.Number({ description: 'the burn rate compared with, such as 14.4' }),
    lookbackWindow: Duration,
    alertAfter: Type.Optional(Duration),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export const AlertNotificationTargetSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  target: Type.String({ minLength: 1, description: 'where notifications go, such as email, slack or a webhook URL' }),
}, { additionalProperties: false });

/** A reference or an inline document in one object, so a mistake is told once (validate.ts picks which). */
const refField = (kind: Kind) => Type.Optional(Type.String({ pattern: NAME_PATTERN, description: `the metadata.name of an ${kind} document` }));
const inlineFields = <S extends TSchema>(kind: Kind, spec: S) => ({
  kind: Type.Optional(Type.Literal(kind, { description: kind })),
  metadata: Type.Optional(Metadata),
  spec: Type.Optional(spec),
});
const ConditionItem = Type.Object({ conditionRef: refField('AlertCondition'), ...inlineFields('AlertCondition', AlertConditionSpec) }, { additionalProperties: false });
const TargetItem = Type.Object({ targetRef: refField('AlertNotificationTarget'), ...inlineFields('AlertNotificationTarget', AlertNotificationTargetSpec) }, { additionalProperties: false });

export const AlertPolicySpec = Type.Object({
  description: Type.Optional(Text(1050)),
  alertWhenNoData: Type.Optional(Type.Boolean()),
  alertWhenResolved: Type.Optional(Type.Boolean()),
  alertWhenBreaching: Type.Optional(Type.Boolean()),
  conditions: Type.Array(ConditionItem, { description: 'a list of one AlertCondition, inline or as {conditionRef: name}' }),
  notificationTargets: Type.Optional(Type.Array(TargetItem, { description: 'a list of AlertNotificationTargets, inline or as {targetRef: name}' })),
}, { additionalProperties: false });

const PolicyItem = Type.Object({ alertPolicyRef: refField('AlertPolicy'), ...inlineFields('AlertPolicy', AlertPolicySpec) }, { additionalProperties: false });

export const SloSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  service: Type.String({ minLength: 1, description: 'the metadata.name of a Service' }),
  indicator: Type.Optional(InlineSli),
  indicatorRef: Type.Optional(Type.String({ pattern: NAME_PATTERN, description: 'the metadata.name of an SLI document' })),
  timeWindow: Type.Array(TimeWindow, { description: 'a list of exactly one time window' }),
  budgetingMethod: Enum(['Occurrences', 'Timeslices', 'RatioTimeslices'], 'Occurrences, Timeslices or RatioTimeslices'),
  objectives: Type.Array(Objective, { minItems: 1, description: 'a list of at least one objective' }),
  alertPolicies: Type.Optional(Type.Array(PolicyItem, { description: 'a list of AlertPolicies, inline or as {alertPolicyRef: name}' })),
}, { additionalProperties: false });

export const SCHEMAS: Record<Kind, TSchema> = {
  Service: doc('Service', Type.Object({ description: Type.Optional(Text(1050)) }, { additionalProperties: false }), false),
  SLI: doc('SLI', SliSpec),
  SLO: doc('SLO', SloSpec),
  DataSource: doc('DataSource', Type.Object({
    description: Type.Optional(Text(1050)),
    type: Type.String({ minLength: 1, description: 'a data source type such as Prometheus or PostgreSQL' }),
    // "everything that is valid YAML can be put here": a map, a list or a scalar
    connectionDetails: Type.Unknown({ description: 'the connection settings (any YAML value)' }),
  }, { additionalProperties: false })),
  AlertPolicy: doc('AlertPolicy', AlertPolicySpec),
  AlertCondition: doc('AlertCondition', AlertConditionSpec),
  AlertNotificationTarget: doc('AlertNotificationTarget', AlertNotificationTargetSpec),
};

export type MetadataT = Static<typeof Metadata>;
export type MetricT = Static<typeof Metric>;
export type SliSpecT = Static<typeof SliSpec>;
export type ObjectiveT = Static<typeof Objective>;
export type SloSpecT = Static<typeof SloSpec>;
export type AlertPolicySpecT = Static<typeof AlertPolicySpec>;
export type AlertConditionSpecT = Static<typeof AlertConditionSpec>;
export type AlertNotificationTargetSpecT = Static<typeof AlertNotificationTargetSpec>;
export interface AnyDoc {
  apiVersion: string;
  kind: Kind;
  metadata: MetadataT;
  spec: Record<string, unknown>;
}
