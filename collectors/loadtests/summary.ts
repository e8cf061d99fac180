// Load-test summaries as their tools write them: k6's end-of-test summary (the data
// handleSummary receives) and the local runner's (`npm run loadtest`). Both reduce to one
// run: p95, p99, error rate, throughput and each threshold's result. Every figure has a bound.
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Type, type Static } from 'typebox';

export const LOCAL_FORMAT = 'pilothouse-loadtest/v1';
const Ms = Type.Number({ minimum: 0, maximum: 3.6e6, description: 'milliseconds' });
const Count = Type.Integer({ minimum: 0, maximum: 1e12 });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Label = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const LatencyMs = Type.Object({ p50: Ms, p90: Ms, p95: Ms, p99: Ms, max: Ms, mean: Ms });

export const RouteFigures = Type.Object({
  route: Label(300),
  requests: Count,
  errors: Count,
  errorRate: Fraction,
  latencyMs: LatencyMs,
  statuses: Type.Record(Type.String({ maxLength: 10 }), Count),
});

export const ThresholdResult = Type.Object({
  /** "p(95)<200" in k6's notation */
  name: Label(200),
  /** the SLO it came from, or "scenario" */
  slo: Label(200),
  /** the route it judged, or "all" */
  scope: Label(300),
  value: Type.Number({ minimum: 0, maximum: 1e12 }),
  ok: Type.Boolean(),
});

/** What the local runner writes; its fields are the ones GET /api/v1/loadtest-runs shows. */
export const LocalSummary = Type.Object({
  format: Type.Literal(LOCAL_FORMAT),
  scenario: Label(100),
  profile: Label(50),
  target: Label(500),
  revision: Type.Union([Label(100), Type.Null()]),
  startedAt: Type.String({ format: 'date-time', maxLength: 40 }),
  durationS: Type.Number({ minimum: 0, maximum: 1e7 }),
  rate: Type.Number({ minimum: 0, maximum: 1e7 }),
  throughput: Type.Number({ minimum: 0, maximum: 1e7 }),
  total: RouteFigures,
  routes: Type.Array(RouteFigures, { maxItems: 200 }),
  thresholds: Type.Array(ThresholdResult, { maxItems: 2000 }),
  passed: Type.Boolean(),
}, { additionalProperties: false });
export type LocalSummaryT = Static<typeof LocalSummary>;

const Trend = Type.Object({
  type: Type.Literal('trend'),
  values: Type.Object({
    'p(95)': Ms,
    'p(99)': Type.Optional(Ms),
    'p(90)': Type.Optional(Ms),
    med: Type.Optional(Ms),
    avg: Type.Optional(Ms),
    max: Type.Optional(Ms),
  }),
});
const K6Thresholds = Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Object({ ok: Type.Boolean() }), { maxProperties: 500 }));
const K6Metric = Type.Object({
  type: Type.Union([Type.Literal('trend'), Type.Literal('rate'), Type.Literal('counter'), Type.Literal('gauge')]),
  values: Type.Record(Type.String({ maxLength: 100 }), Type.Number({ minimum: -1e15, maximum: 1e15 })),
  thresholds: K6Thresholds,
});

/** The parts of k6's summary data a run is read from; k6 writes much more, which is kept as it is. */
export const K6Summary = Type.Object({
  root_group: Type.Object({
    checks: Type.Union([
      Type.Array(Type.Object({ name: Type.String({ maxLength: 500 }), passes: Count, fails: Count })),
      Type.Record(Type.String({ maxLength: 500 }), Type.Object({ name: Type.String({ maxLength: 500 }), passes: Count, fails: Count })),
    ]),
  }),
  state: Type.Optional(Type.Object({ testRunDurationMs: Type.Optional(Type.Number({ minimum: 0, maximum: 1e10 })) })),
  metrics: Type.Intersect([
    Type.Object({
      http_req_duration: Type.Intersect([Trend, Type.Object({ thresholds: K6Thresholds })]),
      http_reqs: Type.Object({ type: Type.Literal('counter'), values: Type.Object({ count: Count, rate: Type.Number({ minimum: 0, maximum: 1e7 }) }) }),
      http_req_failed: Type.Optional(Type.Object({ type: Type.Literal('rate'), values: Type.Object({ rate: Fraction }), thresholds: K6Thresholds })),
    }),
    Type.Record(Type.String({ maxLength: 300 }), K6Metric, { maxProperties: 2000 }),
  ]),
});
export type K6SummaryT = Static<typeof K6Summary>;

/** A run as stored and listed. */
export interface ParsedRun {
  format: 'k6' | 'local';
  profile: string | null;
  target: string | null;
  revision: string | null;
  p50Ms: number | null;
  p95Ms: number;
  p99Ms: number | null;
  errorRate: number;
  throughput: number;
  requests: number;
  durationS: number | null;
  checks: { passes: number; fails: number } | null;
  thresholds: { name: string; metric: string; slo: string | null; scope: string; ok: boolean; value: number | null }[];
  passed: boolean;
}

export class SummaryError extends Error {
  readonly statusCode = 400;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: false }));
const checkLocal = ajv.compile(LocalSummary as object);
const checkK6 = ajv.compile(K6Summary as object);

function describe(e: ErrorObject): string {
  const where = `body${e.instancePath.replaceAll('/', '.').replace(/\.(p\(\d+\))/g, '["$1"]')}`;
  if (e.keyword === 'required') return `${where} is missing the required field "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'additionalProperties') return `${where} has an unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'const') return `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  return `${where} ${e.message ?? 'is not valid'}`;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The metric a k6 threshold expression limits: "p(95)<200" → "p(95)", "rate<0.01" → "rate". */
function k6MetricOf(expr: string): string {
  return /^\s*([a-z]+\(\d+(?:\.\d+)?\)|[a-z]+)/i.exec(expr)?.[1] ?? expr;
}

export function parseK6(body: unknown): ParsedRun {
  if (!checkK6(body)) throw new SummaryError(`not a k6 end-of-test summary: ${describe(checkK6.errors![0]!)}`);
  const s = body as K6SummaryT;
  const d = s.metrics.http_req_duration.values;
  const thresholds: ParsedRun['thresholds'] = [];
  for (const [metric, m] of Object.entries(s.metrics as Record<string, Static<typeof K6Metric>>)) {
    for (const [expr, r] of Object.entries(m.thresholds ?? {})) {
      const scope = /\{(.+)\}$/.exec(metric)?.[1] ?? 'all';
      const stat = k6MetricOf(expr);
      thresholds.push({ name: `${metric}: ${expr}`, metric: stat, slo: null, scope, ok: r.ok, value: m.values[stat] ?? null });
    }
  }
  const checks = Array.isArray(s.root_group.checks) ? s.root_group.checks : Object.values(s.root_group.checks);
  const durationMs = s.state?.testRunDurationMs;
  return {
    format: 'k6', profile: null, target: null, revision: null,
    p50Ms: d.med ?? null, p95Ms: round(d['p(95)']), p99Ms: d['p(99)'] === undefined ? null : round(d['p(99)']),
    errorRate: s.metrics.http_req_failed?.values.rate ?? 0,
    throughput: round(s.metrics.http_reqs.values.rate, 1),
    requests: s.metrics.http_reqs.values.count,
    durationS: durationMs === undefined ? null : round(durationMs / 1000, 1),
    checks: { passes: checks.reduce((a, c) => a + c.passes, 0), fails: checks.reduce((a, c) => a + c.fails, 0) },
    thresholds, passed: thresholds.every((t) => t.ok),
  };
}

export function parseLocal(body: unknown): ParsedRun {
  if (!checkLocal(body)) throw new SummaryError(`not a local runner summary (${LOCAL_FORMAT}): ${describe(checkLocal.errors![0]!)}`);
  const s = body as LocalSummaryT;
  return {
    format: 'local', profile: s.profile, target: s.target, revision: s.revision,
    p50Ms: s.total.latencyMs.p50, p95Ms: s.total.latencyMs.p95, p99Ms: s.total.latencyMs.p99,
    errorRate: s.total.errorRate, throughput: s.throughput, requests: s.total.requests, durationS: s.durationS, checks: null,
    thresholds: s.thresholds.map((t) => ({ name: t.name, metric: k6MetricOf(t.name), slo: t.slo, scope: t.scope, ok: t.ok, value: t.value })),
    // A summary that says it passed while one of its thresholds failed is not believed.
    passed: s.passed && s.thresholds.every((t) => t.ok),
  };
}

export function parseSummary(format: 'k6' | 'local', body: unknown): ParsedRun {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SummaryError('the body must be a JSON object: the summary file as the tool wrote it');
  return format === 'k6' ? parseK6(body) : parseLocal(body);
}
