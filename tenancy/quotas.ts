// Tenant quotas: what a tenant may hold at once (workspaces, CPU, memory, storage) and use
// per period (LLM tokens and cost, API calls), each with an optional soft limit (warn) and
// hard limit (refuse and enforce). Stored in tenants.resource_quota, shaped like a
// Kubernetes ResourceQuota's `spec.hard` so that the namespace quota mirrors it.
import { Type, type Static } from 'typebox';
import { MAX_QUANTITY, formatBytes, formatCpu, parseQuantity } from '../kube/quantity.ts';

export const GAUGE_RESOURCES = ['count/workspaces', 'requests.cpu', 'requests.memory', 'requests.storage'] as const;
export const METER_RESOURCES = ['llm.tokens', 'llm.cost_usd', 'api.calls'] as const;
export const QUOTA_RESOURCES = [...GAUGE_RESOURCES, ...METER_RESOURCES] as const;
export type GaugeResource = (typeof GAUGE_RESOURCES)[number];
export type MeterResource = (typeof METER_RESOURCES)[number];
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export const QUOTA_PERIODS = ['day', 'month'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

/** The name admission messages and the namespace's ResourceQuota object carry. */
export const QUOTA_NAME = 'workspace-quota';
export const DEFAULT_PERIOD: QuotaPeriod = 'month';

const QUANTITY_PATTERN = '^\\+?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$';
const Amount = Type.Union([
  Type.Number({ minimum: 0, maximum: MAX_QUANTITY }),
  Type.String({ pattern: QUANTITY_PATTERN, maxLength: 40, description: `a Kubernetes quantity such as 8, 500m, 32Gi, at most ${MAX_QUANTITY} in base units` }),
]);
const Limits = Type.Object(
  Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, Type.Optional(Amount)])) as Record<QuotaResource, ReturnType<typeof Type.Optional<typeof Amount>>>,
  { additionalProperties: false },
);
const Periods = Type.Object(
  Object.fromEntries(METER_RESOURCES.map((r) => [r, Type.Optional(Type.Union(QUOTA_PERIODS.map((p) => Type.Literal(p))))])) as Record<MeterResource, any>,
  { additionalProperties: false },
);

/** The stored shape; `hard` refuses and enforces, `soft` only warns. Meters count per `period` (default month). */
export const ResourceQuotaSpec = Type.Object({
  hard: Type.Optional(Limits),
  soft: Type.Optional(Limits),
  period: Type.Optional(Periods),
}, { additionalProperties: false, description: 'hard and soft limits by resource: count/workspaces (running at once), requests.cpu, requests.memory, requests.storage, llm.tokens, llm.cost_usd, api.calls; meters count per period (day or month)' });
export type ResourceQuotaSpecT = Static<typeof ResourceQuotaSpec>;

export type Amounts = Partial<Record<QuotaResource, number>>;

export interface Quota {
  hard: Amounts;
  soft: Amounts;
  period: Record<MeterResource, QuotaPeriod>;
}

function amounts(v: unknown): Amounts {
  const out: Amounts = {};
  if (!v || typeof v !== 'object') return out;
  for (const r of QUOTA_RESOURCES) {
    const raw = (v as Record<string, unknown>)[r];
    if (typeof raw !== 'number' && typeof raw !== 'string') continue;
    const n = parseQuantity(raw);
    if (n !== undefined) out[r] = n;
  }
  return out;
}

/** The quota from a tenant's stored resource_quota; unknown keys and malformed amounts are ignored. */
export function parseQuota(stored: Record<string, unknown> | null | undefined): Quota {
  const period = (stored?.period ?? {}) as Record<string, unknown>;
  return {
    hard: amounts(stored?.hard),
    soft: amounts(stored?.soft),
    period: Object.fromEntries(METER_RESOURCES.map((r) => [r, QUOTA_PERIODS.includes(period[r] as QuotaPeriod) ? period[r] : DEFAULT_PERIOD])) as Record<MeterResource, QuotaPeriod>,
  };
}

/** Problems a schema cannot see: an amount past the bound, a soft limit above the hard one. */
export function quotaProblems(spec: ResourceQuotaSpecT): string[] {
  const q = parseQuota(spec as Record<string, unknown>);
  const problems: string[] = [];
  // A string quantity the pattern takes can still be past the bound ("1e999" is Infinity).
  for (const level of ['hard', 'soft'] as const) {
    for (const [r, raw] of Object.entries(spec[level] ?? {})) {
      if (raw !== undefined && parseQuantity(raw as string | number) === undefined) problems.push(`${level}.${r} (${String(raw)}) is past the largest quantity taken (${MAX_QUANTITY} in base units)`);
    }
  }
  for (const r of QUOTA_RESOURCES) {
    const soft = q.soft[r];
    const hard = q.hard[r];
    if (soft !== undefined && hard !== undefined && soft > hard) problems.push(`soft.${r} (${formatAmount(r, soft)}) is above hard.${r} (${formatAmount(r, hard)}); a soft limit warns before the hard one`);
  }
  return problems;
}

export function isMeter(r: QuotaResource): r is MeterResource {
  return (METER_RESOURCES as readonly string[]).includes(r);
}

export function formatAmount(r: QuotaResource, v: number): string {
  switch (r) {
    case 'requests.cpu': return formatCpu(v);
    case 'requests.memory':
    case 'requests.storage': return formatBytes(v);
    case 'llm.cost_usd': return String(Math.round(v * 10_000) / 10_000);
    default: return String(Math.round(v));
  }
}

export interface QuotaViolation {
  resource: QuotaResource;
  requested: number;
  used: number;
  limited: number;
}

// Sums of halves and tenths of cores must compare equal when they are.
const EPSILON = 1e-9;

/**
 * Admission: every hard limit where `used + requested > hard` (equal is allowed). Meters
 * have nothing to request at admission, so a tenant already past a meter's limit is refused.
 */
export function admissionViolations(quota: Quota, used: Amounts, requested: Amounts): QuotaViolation[] {
  const out: QuotaViolation[] = [];
  for (const r of QUOTA_RESOURCES) {
    const limited = quota.hard[r];
    if (limited === undefined) continue;
    const u = used[r] ?? 0;
    const req = requested[r] ?? 0;
    if (u + req > limited + EPSILON) out.push({ resource: r, requested: req, used: u, limited });
  }
  return out;
}

/** Kubernetes' admission message: `exceeded quota: <name>, requested: r=X, used: r=Y, limited: r=Z`. */
export function quotaExceededMessage(violations: readonly QuotaViolation[], name = QUOTA_NAME): string {
  const list = (pick: (v: QuotaViolation) => number) => violations.map((v) => `${v.resource}=${formatAmount(v.resource, pick(v))}`).join(',');
  return `exceeded quota: ${name}, requested: ${list((v) => v.requested)}, used: ${list((v) => v.used)}, limited: ${list((v) => v.limited)}`;
}

/** Start of the quota period holding `now` (UTC); months start on the tenant's budget reset day. */
export function periodStart(now: Date, period: QuotaPeriod, resetDay = 1): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  if (period === 'day') return new Date(Date.UTC(y, m, now.getUTCDate()));
  const thisMonth = Date.UTC(y, m, resetDay);
  return new Date(now.getTime() >= thisMonth ? thisMonth : Date.UTC(y, m - 1, resetDay));
}

export const WARN_PERCENTS = [80, 100] as const;

export interface ThresholdCrossed {
  resource: QuotaResource;
  /** e.g. `hard:80`, `soft:100` */
  threshold: string;
  used: number;
  limit: number;
}

/** Every soft and hard threshold (80 % and 100 % of the limit) that usage has reached. */
export function thresholdsReached(quota: Quota, used: Amounts): ThresholdCrossed[] {
  const out: ThresholdCrossed[] = [];
  for (const level of ['soft', 'hard'] as const) {
    for (const r of QUOTA_RESOURCES) {
      const limit = quota[level][r];
      if (limit === undefined || limit === 0) continue;
      const u = used[r] ?? 0;
      for (const pct of WARN_PERCENTS) {
        if (u + EPSILON >= (limit * pct) / 100) out.push({ resource: r, threshold: `${level}:${pct}`, used: u, limit });
      }
    }
  }
  return out;
}
