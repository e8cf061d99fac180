// An SLO objective as the engine uses it: one objective, one period, one indicator with its
// queries, resolved from OpenSLO documents (references followed, targets as fractions). An
// SLO with several objectives becomes one definition per objective, each with its own
// budget, burn rates, alerts and history.
import type { AlertTier } from '../math/tiers.ts';

export const SOURCE_TYPES = ['Prometheus', 'PostgreSQL'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export interface PromQuery {
  type: 'Prometheus';
  /** a counter (ratio) or histogram `_bucket` (threshold) series selector */
  selector: string;
}

export interface PgQuery {
  type: 'PostgreSQL';
  dataset: string;
  filters: Record<string, string | string[]>;
}

export type MetricQuery = PromQuery | PgQuery;
export type ThresholdOp = 'lt' | 'lte' | 'gt' | 'gte';

export type Indicator =
  | { kind: 'ratio'; good?: MetricQuery; bad?: MetricQuery; total: MetricQuery }
  | { kind: 'threshold'; metric: MetricQuery; op: ThresholdOp; value: number };

export type Period =
  | { kind: 'rolling'; duration: string; ms: number }
  | {
    kind: 'calendar';
    duration: string;
    unit: 'd' | 'w' | 'M' | 'Q' | 'Y';
    count: number;
    /** local wall-clock time "YYYY-MM-DD HH:MM:SS" in `timeZone` when the first period starts */
    startTime: string;
    timeZone: string;
    /** nominal length (a month counts 30 days) for burn-rate factors and rule windows */
    ms: number;
  };

export type Budgeting =
  | { method: 'Occurrences' }
  | { method: 'Timeslices'; sliceMs: number; sliceTarget: number };

export interface SloDefinition {
  /** the SLO's metadata.name (shared by its objectives) */
  name: string;
  /** which objective of the SLO (its index in spec.objectives) */
  objectiveIndex: number;
  /** how many objectives the SLO has: ids and names carry the index only when it is more than one */
  objectiveCount: number;
  /** the objective's displayName, or a description of its target */
  objectiveName: string;
  displayName: string;
  description: string;
  service: string;
  /** where the spec came from: a file path, or "api" */
  origin: string;
  objective: number;
  period: Period;
  budgeting: Budgeting;
  indicatorName: string;
  indicator: Indicator;
  sourceType: SourceType;
  tiers: AlertTier[];
  /** a path under runbooks/ or an http(s) URL */
  runbook?: string;
  labels: Record<string, string>;
}
