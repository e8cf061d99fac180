// SLOs: list (sorted by budget left), detail, history, calendar-month compliance (JSON or
// CSV), alert changes, specs submitted through the API, evaluation on demand, runbooks.
// Platform roles only: SLOs describe the platform, not one tenant.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TtlCache } from '../cache/ttl-cache.ts';
import { Type, type Static } from 'typebox';
import { stringify } from 'csv-stringify/sync';
import { REPO_ROOT } from '../../slo/catalog.ts';
import { promDuration } from '../../slo/math/duration.ts';
import { monthlyCompliance } from '../../slo/evaluate/compliance.ts';
import { minimumMeaningfulEvents } from '../../slo/math/sli.ts';
import { evaluateAll, sourcesFor } from '../../slo/evaluate/job.ts';
import { alertEvents, evaluationHistory, latestEvaluations, objectiveKey, type StoredEvaluation } from '../../slo/evaluate/store.ts';
import { SloRegistry } from '../../slo/registry.ts';
import { badEvents } from '../../slo/sources/postgres.ts';
import { runbookUrl } from '../../slo/rules/generate.ts';
import type { SloDefinition } from '../../slo/openslo/types.ts';
import { formatProblem, type SpecProblem } from '../../slo/openslo/errors.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, errors, Nullable } from '../schemas.ts';

const NameParams = Type.Object({ name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63, description: 'the SLO\'s metadata.name' }) });
const SpecBody = Type.Object({ spec: Type.String({ minLength: 1, maxLength: 256 * 1024, description: 'OpenSLO v1 YAML: one SLO, with the Service/SLI/DataSource documents it needs if they are not in slo/specs/' }) }, { additionalProperties: false });

const Latest = Type.Object({
  evaluatedAt: DateTime,
  periodStart: DateTime,
  periodEnd: DateTime,
  events: Nullable(Type.Number()),
  badEvents: Nullable(Type.Number()),
  sli: Nullable(Type.Number()),
  budgetRemaining: Nullable(Type.Number()),
  burnRates: Type.Array(Type.Object({ window: Type.String(), windowMs: Type.Number(), burnRate: Type.Number(), bad: Type.Number(), total: Type.Number() })),
  tiers: Type.Array(Type.Object({
    severity: Type.String(), factor: Type.Number(), long: Type.String(), short: Type.String(),
    longBurn: Type.Number(), shortBurn: Type.Number(), firing: Type.Boolean(), suppressedLowTraffic: Type.Boolean(),
  })),
  alert: Type.String(),
  lowTraffic: Type.Boolean(),
  exhaustionAt: Nullable(DateTime),
  error: Nullable(Type.String()),
});

const Summary = Type.Object({
  name: Type.String(),
  objectiveIndex: Type.Integer({ description: 'which objective of the SLO this is (its index in spec.objectives); an SLO with several is listed once per objective' }),
  objectiveName: Type.String({ description: 'the objective\'s displayName, or its target' }),
  objectiveCount: Type.Integer({ description: 'how many objectives the SLO has' }),
  displayName: Type.String(),
  service: Type.String(),
  objective: Type.Number(),
  period: Type.String({ description: 'such as "30d rolling" or "1M calendar (UTC)"' }),
  budgeting: Type.String(),
  sourceType: Type.String(),
  origin: Type.String({ description: 'the spec file, or "api"' }),
  minimumEvents: Type.Integer({ description: 'events the period needs for the objective to mean anything' }),
  latest: Nullable(Latest),
});

const ObjectiveQuery = Type.Object({ objective: Type.Integer({ minimum: 0, maximum: 99, default: 0, description: 'which objective of the SLO (its index in spec.objectives)' }) }, { additionalProperties: false });
const Detail = Type.Object({
  ...Summary.properties,
  objectives: Type.Array(Type.Object({ objectiveIndex: Type.Integer(), objectiveName: Type.String(), objective: Type.Number(), latest: Nullable(Latest) }), { description: 'every objective of the SLO, each with its own budget' }),
  description: Type.String(),
  indicator: Type.Object({ name: Type.String(), kind: Type.String(), queries: Type.Record(Type.String(), Type.String()), op: Type.Optional(Type.String()), value: Type.Optional(Type.Number()) }),
  tiers: Type.Array(Type.Object({ severity: Type.String(), factor: Type.Number(), long: Type.String(), short: Type.String(), budgetShare: Nullable(Type.Number()), runbookUrl: Nullable(Type.String()) })),
  runbook: Nullable(Type.String()),
});

const Problem = Type.Object({ file: Type.String(), line: Nullable(Type.Integer()), kind: Nullable(Type.String()), name: Nullable(Type.String()), field: Type.String(), message: Type.String(), fix: Type.String(), level: Type.String(), text: Type.String() });
const ValidateResponse = Type.Object({
  valid: Type.Boolean({ description: 'no errors (warnings name valid SLOs Pilothouse does not evaluate)' }),
  errors: Type.Array(Problem), warnings: Type.Array(Problem), notices: Type.Array(Problem),
  evaluated: Type.Array(Type.String()),
  documents: Type.Array(Type.Object({ kind: Type.String(), name: Type.String(), target: Nullable(Type.String()) })),
});

const EvaluateBody = Type.Object({ slos: Type.Optional(Type.Array(NameParams.properties.name, { maxItems: 100, description: 'only these SLOs (default: all)' })) }, { additionalProperties: false });
const HistoryQuery = Type.Object({
  ...ObjectiveQuery.properties,
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
  points: Type.Integer({ minimum: 10, maximum: 2000, default: 500, description: 'at most this many points, evenly thinned' }),
}, { additionalProperties: false });
const HistoryPoint = Type.Object({ at: DateTime, sli: Nullable(Type.Number()), budgetRemaining: Nullable(Type.Number()), burnRate1h: Nullable(Type.Number()), alert: Type.String(), lowTraffic: Type.Boolean() });
const ComplianceQuery = Type.Object({
  ...ObjectiveQuery.properties,
  months: Type.Integer({ minimum: 1, maximum: 24, default: 12 }),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json', description: 'json, or csv for a spreadsheet' }),
}, { additionalProperties: false });
const ComplianceRow = Type.Object({ month: Type.String(), events: Type.Number(), badEvents: Type.Number(), sli: Nullable(Type.Number()), objective: Type.Number(), budgetRemaining: Nullable(Type.Number()), met: Nullable(Type.Boolean()) });
const AlertEvent = Type.Object({ at: DateTime, from: Type.String(), to: Type.String(), severity: Nullable(Type.String()), runbookUrl: Nullable(Type.String()) });

const periodText = (s: SloDefinition) => (s.period.kind === 'rolling' ? `${s.period.duration} rolling` : `${s.period.duration} calendar (${s.period.timeZone})`);
const budgetingText = (s: SloDefinition) => (s.budgeting.method === 'Occurrences' ? 'Occurrences' : `Timeslices (${promDuration(s.budgeting.sliceMs)} slices ≥ ${s.budgeting.sliceTarget * 100}% good)`);

function latestView(e: StoredEvaluation | undefined): Static<typeof Latest> | null {
  if (!e) return null;
  return {
    evaluatedAt: e.evaluatedAt.toISOString(),
    periodStart: e.periodStart.toISOString(),
    periodEnd: e.periodEnd.toISOString(),
    events: e.events,
    badEvents: e.badEvents,
    sli: e.sli,
    budgetRemaining: e.budgetRemaining,
    burnRates: (e.burnRates as { windowMs: number; burnRate: number; bad: number; total: number }[]).map((b) => ({ ...b, window: promDuration(b.windowMs) })),
    tiers: (e.tiers as { severity: string; factor: number; longMs: number; shortMs: number; longBurn: number; shortBurn: number; firing: boolean; suppressedLowTraffic: boolean }[])
      .map((t) => ({ severity: t.severity, factor: t.factor, long: promDuration(t.longMs), short: promDuration(t.shortMs), longBurn: t.longBurn, shortBurn: t.shortBurn, firing: t.firing, suppressedLowTraffic: t.suppressedLowTraffic })),
    alert: e.alert,
    lowTraffic: e.lowTraffic,
    exhaustionAt: e.exhaustionAt?.toISOString() ?? null,
    error: e.error,
  };
}

function summary(s: SloDefinition, latest: StoredEvaluation | undefined): Static<typeof Summary> {
  return {
    name: s.name, objectiveIndex: s.objectiveIndex, objectiveName: s.objectiveName, objectiveCount: s.objectiveCount, displayName: s.displayName, service: s.service, objective: s.objective, period: periodText(s), budgeting: budgetingText(s),
    sourceType: s.sourceType, origin: s.origin, minimumEvents: minimumMeaningfulEvents(s.objective), latest: latestView(latest),
  };
}

function indicatorView(s: SloDefinition): Static<typeof Detail>['indicator'] {
  const show = (m: { type: string; selector?: string; dataset?: string; filters?: Record<string, unknown> } | undefined) =>
    m ? (m.type === 'Prometheus' ? m.selector! : `${m.dataset} ${JSON.stringify(m.filters)}`) : undefined;
  if (s.indicator.kind === 'threshold') return { name: s.indicatorName, kind: 'threshold', queries: { metric: show(s.indicator.metric)! }, op: s.indicator.op, value: s.indicator.value };
  const queries: Record<string, string> = {};
  for (const k of ['good', 'bad', 'total'] as const) {
    const v = show(s.indicator[k]);
    if (v) queries[k] = v;
  }
  return { name: s.indicatorName, kind: 'ratio', queries };
}

export default async function slo(app: FastifyInstance) {
  const registry = new SloRegistry(app.db);
  const runbookBase = () => app.config.publicUrl + '/api/v1';
  const opts = () => ({ prometheusUrl: app.config.PROMETHEUS_URL, runbookBaseUrl: runbookBase() });


  const listSlos = async () => {
    const [{ slos, problems, notices }, latest] = await Promise.all([registry.all(), latestEvaluations(app.db)]);
    const items = slos.map((s) => summary(s, latest.get(objectiveKey(s.name, s.objectiveIndex))));
    // Least budget first; SLOs not evaluated yet (or without events) last.
    const key = (x: Static<typeof Summary>) => x.latest?.budgetRemaining ?? Number.POSITIVE_INFINITY;
    items.sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name) || a.objectiveIndex - b.objectiveIndex);
    // Valid SLOs that are not evaluated are listed too (as warnings), never left out silently.
    const shown = [...problems, ...notices.filter((n) => n.level === 'warning')];
    return { items, problems: shown.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.level ? `${p.level}: ` : ''}${p.field}: ${p.message}`) };
  };
  // The list is the same for every caller and changes when the minute job stores its
  // evaluations or a spec changes: both announce themselves (CacheInvalidation, topic slo), so
  // it is computed once per evaluation minute, and at most a minute old if an announcement is lost.
  const list = new TtlCache<'all', Awaited<ReturnType<typeof listSlos>>>({ ttlMs: 60_000, max: 1 });
  const nextMinute = () => Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
  app.caches.on('slo', () => list.clear());
  // A caller who changed an SLO (or evaluated them) reads its own write: cleared before the answer leaves.
  app.addHook('onSend', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') app.caches.emit('slo');
  });

  app.get('/api/v1/slos', {
    config: { auth: { permission: 'slo:read' } },
    schema: { tags: ['slo'], summary: 'Every SLO with its latest evaluation, least budget left first', response: { 200: Type.Object({ items: Type.Array(Summary), problems: Type.Array(Type.String()) }) } },
  }, async () => (app.caches.listening ? list.through('all', listSlos, nextMinute) : listSlos()));

  app.post<{ Body: Static<typeof SpecBody> }>('/api/v1/slos', {
    config: { auth: { permission: 'slo:write' } },
    schema: { tags: ['slo'], summary: 'Add an SLO from OpenSLO YAML', body: SpecBody, response: { 201: Summary, ...errors(400, 409) } },
  }, async (req, reply) => {
    const s = await registry.submit(req.body.spec, actorOf(req.principal!), undefined);
    return reply.code(201).send(summary(s, undefined));
  });

  app.post<{ Body: Static<typeof SpecBody> }>('/api/v1/slos/validate', {
    config: { auth: { permission: 'slo:read' } },
    schema: { tags: ['slo'], summary: 'Validate OpenSLO YAML as `pilothouse slo validate` does, against the shipped specs; stores nothing', body: SpecBody, response: { 200: ValidateResponse } },
  }, async (req) => {
    const r = await registry.validate(req.body.spec);
    const line = (p: SpecProblem) => ({ ...p, line: p.line ?? null, kind: p.kind ?? null, name: p.name ?? null, level: p.level ?? 'error', text: formatProblem(p) });
    return { valid: r.valid, errors: r.errors.map(line), warnings: r.warnings.map(line), notices: r.notices.map(line), evaluated: r.evaluated, documents: r.documents.map((d) => ({ kind: d.kind, name: d.name, target: d.target ?? null })) };
  });

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ObjectiveQuery> }>('/api/v1/slos/:name', {
    config: { auth: { permission: 'slo:read' } },
    schema: { tags: ['slo'], params: NameParams, querystring: ObjectiveQuery, response: { 200: Detail, ...errors(400, 404) } },
  }, async (req) => {
    const all = await registry.objectives(req.params.name);
    const s = await registry.get(req.params.name, req.query.objective);
    const latestAll = await latestEvaluations(app.db);
    const latest = latestAll.get(objectiveKey(s.name, s.objectiveIndex));
    return {
      ...summary(s, latest),
      objectives: all.map((o) => ({ objectiveIndex: o.objectiveIndex, objectiveName: o.objectiveName, objective: o.objective, latest: latestView(latestAll.get(objectiveKey(o.name, o.objectiveIndex))) })),
      description: s.description,
      indicator: indicatorView(s),
      tiers: s.tiers.map((t) => ({ severity: t.severity, factor: t.factor, long: promDuration(t.longMs), short: promDuration(t.shortMs), budgetShare: t.budgetShare ?? null, runbookUrl: runbookUrl(s, t.severity, runbookBase()) ?? null })),
      runbook: s.runbook ?? null,
    };
  });

  app.put<{ Params: Static<typeof NameParams>; Body: Static<typeof SpecBody> }>('/api/v1/slos/:name', {
    config: { auth: { permission: 'slo:write' } },
    schema: { tags: ['slo'], summary: 'Replace an SLO added through the API', params: NameParams, body: SpecBody, response: { 200: Summary, ...errors(400, 404, 409) } },
  }, async (req) => summary(await registry.submit(req.body.spec, actorOf(req.principal!), req.params.name), undefined));

  app.delete<{ Params: Static<typeof NameParams> }>('/api/v1/slos/:name', {
    config: { auth: { permission: 'slo:write' } },
    schema: { tags: ['slo'], summary: 'Remove an SLO added through the API (its history stays)', params: NameParams, response: { 204: Type.Null(), ...errors(404, 409) } },
  }, async (req, reply) => {
    await registry.remove(req.params.name);
    return reply.code(204).send();
  });

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof HistoryQuery> }>('/api/v1/slos/:name/history', {
    config: { auth: { permission: 'slo:read' } },
    schema: { tags: ['slo'], summary: 'SLI, budget left and 1 h burn rate over time (default: the current period)', params: NameParams, querystring: HistoryQuery, response: { 200: Type.Object({ from: DateTime, to: DateTime, points: Type.Array(HistoryPoint) }), ...errors(400, 404) } },
  }, async (req) => {
    const s = await registry.get(req.params.name, req.query.objective);
    const to = req.query.to ? new Date(req.query.to) : new Date();
    const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - s.period.ms);
    if (!(from < to)) throw Object.assign(new Error('from must be before to'), { statusCode: 400 });
    const step = Math.max(60_000, Math.ceil((to.getTime() - from.getTime()) / req.query.points / 60_000) * 60_000);
    const rows = await evaluationHistory(app.db, s.name, from, to, step, s.objectiveIndex);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      points: rows.map((r) => ({
        at: r.evaluatedAt.toISOString(), sli: r.sli, budgetRemaining: r.budgetRemaining,
        burnRate1h: (r.burnRates as { windowMs: number; burnRate: number }[]).find((b) => b.windowMs === 3_600_000)?.burnRate ?? null,
        alert: r.alert, lowTraffic: r.lowTraffic,
      })),
    };
  });

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ComplianceQuery> }>('/api/v1/slos/:name/compliance', {
    config: { auth: { permission: 'slo:read' } },
    schema: { tags: ['slo'], summary: 'Calendar months (UTC): total bad ÷ total events against the objective', params: NameParams, querystring: ComplianceQuery, response: { 200: Type.Object({ items: Type.Array(ComplianceRow), unavailable: Type.Optional(Type.String({ description: 'why there are no rows: the SLI source is not configured' })) }), ...errors(400, 404) } },
  }, async (req, reply) => {
    const s = await registry.get(req.params.name, req.query.objective);
    const source = sourcesFor(app.db, app.config.PROMETHEUS_URL)[s.sourceType];
    // Not configured is a setting, not a failure: a 503 here would count against Pilothouse's
    // own availability SLO every time someone opened the page.
    if (!source) return { items: [], unavailable: `${s.sourceType} is not configured: set PROMETHEUS_URL to read this SLO` };
    const items = await monthlyCompliance(s, source, new Date(), req.query.months);
    if (req.query.format === 'csv') {
      const csv = stringify(items.map((x) => ({ ...x, met: x.met === null ? '' : x.met ? 'yes' : 'no' })), { header: true, columns: ['month', 'events', 'badEvents', 'sli', 'objective', 'budgetRemaining', 'met'] });
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${s.name}-compliance.csv"`).send(csv);
    }
    return { items };
  });

  const BadEventsQuery = Type.Object({ from: DateTime, to: DateTime, limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false });
  const BadEvent = Type.Object({
    at: DateTime, dataset: Type.String(), tenantId: Nullable(Type.String()), workspaceId: Nullable(Type.String()), workspaceName: Nullable(Type.String()),
    service: Nullable(Type.String()), route: Nullable(Type.String()), count: Type.Number(), seconds: Nullable(Type.Number()), meter: Nullable(Type.String()),
    outcome: Nullable(Type.Union([Type.Literal('slow'), Type.Literal('failed'), Type.Literal('stuck')])),
  });
  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof BadEventsQuery> }>('/api/v1/slos/:name/bad-events', {
    config: { auth: { permission: 'slo:read' } },
    schema: {
      tags: ['slo'], summary: 'What burned the budget in a window: the bad events of a PostgreSQL SLI; for a Prometheus SLI, its queries with links into Prometheus',
      params: NameParams, querystring: BadEventsQuery,
      response: { 200: Type.Object({ items: Type.Array(BadEvent), queries: Type.Array(Type.Object({ label: Type.String(), query: Type.String(), exploreUrl: Nullable(Type.String()) })) }), ...errors(400, 404) },
    },
  }, async (req) => {
    const s = await registry.get(req.params.name);
    const range = { from: new Date(req.query.from), to: new Date(req.query.to) };
    if (!(range.from < range.to)) throw Object.assign(new Error('from must be before to'), { statusCode: 400 });
    if (s.sourceType === 'PostgreSQL') {
      const rows = await badEvents(app.db, s, range, req.query.limit);
      return { items: rows.map((r) => ({ ...r, at: r.at.toISOString() })), queries: [] };
    }
    const prom = app.config.PROMETHEUS_URL?.replace(/\/$/, '');
    const windowS = Math.max(60, Math.round((range.to.getTime() - range.from.getTime()) / 1000));
    const queries = Object.entries(indicatorView(s).queries).map(([label, query]) => ({
      label, query,
      exploreUrl: prom ? `${prom}/graph?${new URLSearchParams({ 'g0.expr': query, 'g0.tab': '0', 'g0.range_input': `${windowS}s`, 'g0.end_input': range.to.toISOString() })}` : null,
    }));
    return { items: [], queries };
  });

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ObjectiveQuery> }>('/api/v1/slos/:name/alerts', {
    config: { auth: { permission: 'slo:read' } },
    schema: { tags: ['slo'], summary: 'Alert state changes, newest first', params: NameParams, querystring: ObjectiveQuery, response: { 200: Type.Object({ items: Type.Array(AlertEvent) }), ...errors(400, 404) } },
  }, async (req) => {
    const s = await registry.get(req.params.name, req.query.objective);
    const rows = await alertEvents(app.db, s.name, 100, s.objectiveIndex);
    return { items: rows.map((r) => ({ ...r, at: r.at.toISOString() })) };
  });

  app.post<{ Body: Static<typeof EvaluateBody> }>('/api/v1/slos/evaluate', {
    config: { auth: { permission: 'slo:write' } },
    schema: { tags: ['slo'], summary: 'Evaluate SLOs now (the job does it each minute); send {} for all', body: EvaluateBody, response: { 200: Type.Object({ items: Type.Array(Type.Object({ slo: Type.String(), objectiveIndex: Type.Integer(), alert: Type.String(), error: Nullable(Type.String()) })) }), ...errors(400, 404) } },
  }, async (req) => {
    const names = req.body.slos;
    if (names) for (const n of names) await registry.get(n);
    const out = await evaluateAll(app.db, registry, opts(), new Date(), names);
    if (out.some((r) => r.change)) app.alertEvents.emit('changed', { slo: out.flatMap((r) => (r.change ? [r.change] : [])) });
    return { items: out.map((o) => ({ slo: o.slo, objectiveIndex: o.objective, alert: o.evaluation?.alert ?? 'unknown', error: o.error ?? null })) };
  });

  app.get<{ Params: { file: string } }>('/api/v1/runbooks/:file', {
    config: { auth: { authenticated: true } },
    schema: { tags: ['slo'], summary: 'A runbook (Markdown) from runbooks/', params: Type.Object({ file: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*\\.md$', description: 'a runbook file name such as api-availability-999.md' }) }) },
  }, async (req, reply) => {
    const text = await readFile(join(REPO_ROOT, 'runbooks', req.params.file), 'utf8').catch(() => null);
    if (text === null) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no runbook ${req.params.file}` });
    return reply.header('content-type', 'text/markdown; charset=utf-8').send(text);
  });
}
