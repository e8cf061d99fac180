// An SLO as the engine uses it: one objective, one period, one indicator with its queries,
// resolved from OpenSLO documents (references followed, targets as fractions).
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
  name: string;
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
