// OpenSLO v1 documents as TypeBox schemas: the kinds Pilothouse reads (Service, SLI, SLO,
// DataSource, AlertPolicy, AlertCondition). Each `description` doubles as the fix printed
// when a field is wrong, so it says what to write.
import { Type, type Static, type TSchema } from 'typebox';
import { DURATION_PATTERN } from '../math/duration.ts';

export const API_VERSION = 'openslo/v1';
export const KINDS = ['Service', 'SLI', 'SLO', 'DataSource', 'AlertPolicy', 'AlertCondition'] as const;
export type Kind = (typeof KINDS)[number];

const NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const Name = Type.String({ pattern: NAME, maxLength: 63, description: 'a lowercase DNS label: letters, digits and "-", at most 63 characters, such as api-availability' });
const Text = (max: number) => Type.String({ maxLength: max, description: `text of at most ${max} characters` });
const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'a duration such as 5m, 1h, 28d, 4w (1M, 1Q, 1Y for calendar windows)' });
const StringMap = Type.Record(Type.String(), Type.String(), { description: 'a map of string keys to string values' });

export const Metadata = Type.Object({
  name: Name,
  displayName: Type.Optional(Text(200)),
  labels: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), { description: 'a map of label names to a string or a list of strings' })),
  annotations: Type.Optional(StringMap),
}, { additionalProperties: false });

const doc = <K extends Kind, S extends TSchema>(kind: K, spec: S) => Type.Object({
  apiVersion: Type.Literal(API_VERSION, { description: `apiVersion: ${API_VERSION}` }),
  kind: Type.Literal(kind),
  metadata: Metadata,
  spec,
}, { additionalProperties: false });

export const MetricSource = Type.Object({
  metricSourceRef: Type.Optional(Type.String({ pattern: NAME, description: 'the metadata.name of a DataSource document' })),
  type: Type.Optional(Type.String({ minLength: 1, description: 'a data source type: Prometheus or PostgreSQL' })),
  spec: Type.Record(Type.String(), Type.Unknown(), { description: 'the query for this source: {query: <PromQL selector>} for Prometheus, {dataset: …} for PostgreSQL' }),
}, { additionalProperties: false });
export const Metric = Type.Object({ metricSource: MetricSource }, { additionalProperties: false });

export const SliSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  thresholdMetric: Type.Optional(Metric),
  ratioMetric: Type.Optional(Type.Object({
    counter: Type.Boolean({ description: 'true when good/bad/total are monotonic counters' }),
    good: Type.Optional(Metric),
    bad: Type.Optional(Metric),
    total: Type.Optional(Metric),
    rawType: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
    raw: Type.Optional(Metric),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const Objective = Type.Object({
  displayName: Type.Optional(Text(200)),
  op: Type.Optional(Type.Union(['lte', 'gte', 'lt', 'gt'].map((o) => Type.Literal(o)), { description: 'one of lte, lt, gte, gt' })),
  value: Type.Optional(Type.Number({ description: 'the threshold a thresholdMetric is compared with, such as 0.2 (seconds)' })),
  target: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'a fraction in [0, 1) such as 0.999, or use targetPercent: 99.9 instead' })),
  targetPercent: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 100, description: 'a percentage in [0, 100) such as 99.9' })),
  timeSliceTarget: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'the good ratio a timeslice must reach, a fraction in (0, 1] such as 0.95' })),
  timeSliceWindow: Type.Optional(Duration),
  indicator: Type.Optional(Type.Unknown()),
  indicatorRef: Type.Optional(Type.String()),
  compositeWeight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
}, { additionalProperties: false });

export const TimeWindow = Type.Object({
  duration: Duration,
  isRolling: Type.Optional(Type.Boolean({ description: 'true for a rolling window; false (or omitted) with calendar' })),
  calendar: Type.Optional(Type.Object({
    startTime: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', description: 'a local date and time "YYYY-MM-DD HH:MM:SS" without a zone, such as 2026-01-01 00:00:00' }),
    timeZone: Type.String({ minLength: 1, description: 'an IANA time zone such as UTC or Europe/Paris' }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

const Inline = <S extends TSchema>(kind: string, spec: S) => Type.Object({
  kind: Type.Literal(kind),
  metadata: Metadata,
  spec,
}, { additionalProperties: false });

export const AlertConditionSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  severity: Type.String({ minLength: 1, description: 'page or ticket' }),
  condition: Type.Object({
    kind: Type.Literal('burnrate', { description: 'burnrate' }),
    op: Type.Union(['gt', 'gte'].map((o) => Type.Literal(o)), { description: 'gt or gte (a burn-rate alert fires above its threshold)' }),
    threshold: Type.Number({ exclusiveMinimum: 0, description: 'the burn rate that fires the alert, such as 14.4' }),
    lookbackWindow: Duration,
    alertAfter: Duration,
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export const AlertPolicySpec = Type.Object({
  description: Type.Optional(Text(1050)),
  alertWhenNoData: Type.Optional(Type.Boolean()),
  alertWhenResolved: Type.Optional(Type.Boolean()),
  alertWhenBreaching: Type.Optional(Type.Boolean()),
  conditions: Type.Array(Type.Union([
    Type.Object({ conditionRef: Type.String({ pattern: NAME }) }, { additionalProperties: false }),
    Inline('AlertCondition', AlertConditionSpec),
  ]), { minItems: 1, description: 'a list of AlertCondition documents, inline or as {conditionRef: name}' }),
  notificationTargets: Type.Optional(Type.Array(Type.Unknown())),
}, { additionalProperties: false });

export const SloSpec = Type.Object({
  description: Type.Optional(Text(1050)),
  service: Type.String({ pattern: NAME, description: 'the metadata.name of a Service document' }),
  indicator: Type.Optional(Type.Object({ metadata: Metadata, spec: SliSpec }, { additionalProperties: false })),
  indicatorRef: Type.Optional(Type.String({ pattern: NAME, description: 'the metadata.name of an SLI document' })),
  timeWindow: Type.Array(TimeWindow, { description: 'exactly one time window' }),
  budgetingMethod: Type.Union(['Occurrences', 'Timeslices', 'RatioTimeslices'].map((m) => Type.Literal(m)), { description: 'Occurrences or Timeslices' }),
  objectives: Type.Array(Objective, { minItems: 1, description: 'a list with one objective' }),
  alertPolicies: Type.Optional(Type.Array(Type.Union([
    Type.Object({ alertPolicyRef: Type.String({ pattern: NAME }) }, { additionalProperties: false }),
    Inline('AlertPolicy', AlertPolicySpec),
  ]))),
}, { additionalProperties: false });

export const SCHEMAS = {
  Service: doc('Service', Type.Object({ description: Type.Optional(Text(1050)) }, { additionalProperties: false })),
  SLI: doc('SLI', SliSpec),
  SLO: doc('SLO', SloSpec),
  DataSource: doc('DataSource', Type.Object({
    description: Type.Optional(Text(1050)),
    type: Type.String({ minLength: 1, description: 'Prometheus or PostgreSQL' }),
    connectionDetails: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }, { additionalProperties: false })),
  AlertPolicy: doc('AlertPolicy', AlertPolicySpec),
  AlertCondition: doc('AlertCondition', AlertConditionSpec),
} as const;

export type MetadataT = Static<typeof Metadata>;
export type MetricT = Static<typeof Metric>;
export type SliSpecT = Static<typeof SliSpec>;
export type SloDoc = Static<(typeof SCHEMAS)['SLO']>;
export type SliDoc = Static<(typeof SCHEMAS)['SLI']>;
export type ServiceDoc = Static<(typeof SCHEMAS)['Service']>;
export type DataSourceDoc = Static<(typeof SCHEMAS)['DataSource']>;
export type AlertPolicyDoc = Static<(typeof SCHEMAS)['AlertPolicy']>;
export type AlertConditionDoc = Static<(typeof SCHEMAS)['AlertCondition']>;
export type AlertConditionSpecT = Static<typeof AlertConditionSpec>;
export type AnyDoc = SloDoc | SliDoc | ServiceDoc | DataSourceDoc | AlertPolicyDoc | AlertConditionDoc;
