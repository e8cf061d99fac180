// Load-test runs imported from CI: k6's end-of-test summary or the local runner's, stored
// with their scenario, target, revision and threshold results, and listed per scenario.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { listRuns, listScenarios, storeRun } from '../../collectors/loadtests/store.ts';
import { SummaryError, parseSummary } from '../../collectors/loadtests/summary.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, errors, literals } from '../schemas.ts';

const ScenarioName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$', description: 'the scenario, e.g. console-reads' });
const ImportQuery = Type.Object({
  scenario: ScenarioName,
  // An enum rather than literals, so a wrong value is answered with the values allowed.
  format: Type.Unsafe<'k6' | 'local'>({ type: 'string', enum: ['k6', 'local'], description: 'k6 (handleSummary data) or local (npm run loadtest)' }),
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'the URL under load (k6 summaries do not say)' })),
  revision: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the git revision tested' })),
}, { additionalProperties: false });
const ListQuery = Type.Object({
  scenario: Type.Optional(ScenarioName),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Run = Type.Object({
  id: Type.String(),
  scenario: Type.String(),
  format: literals(['k6', 'local'] as const),
  profile: Nullable(Type.String()),
  target: Nullable(Type.String()),
  revision: Nullable(Type.String()),
  p50Ms: Nullable(Type.Number()),
  p95Ms: Type.Number(),
  p99Ms: Nullable(Type.Number()),
  errorRate: Type.Number(),
  throughput: Type.Number({ description: 'requests per second answered' }),
  requests: Type.Integer(),
  durationS: Nullable(Type.Number()),
  checks: Nullable(Type.Object({ passes: Type.Integer(), fails: Type.Integer() })),
  thresholds: Type.Array(Type.Object({
    name: Type.String(), metric: Type.String(), slo: Nullable(Type.String()), scope: Type.String(), ok: Type.Boolean(), value: Nullable(Type.Number()),
  })),
  passed: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: DateTime,
});

export default async function loadtests(app: FastifyInstance) {
  app.post<{ Querystring: Static<typeof ImportQuery> }>('/api/v1/loadtest-runs', {
    config: { auth: { permission: 'loadtests:write' } },
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags: ['loadtests'],
      summary: 'Import a load-test run: the summary JSON as k6 (handleSummary data) or `npm run loadtest` wrote it',
      querystring: ImportQuery,
      response: { 201: Run, ...errors(400, 403) },
    },
  }, async (req, reply) => {
    const run = parseSummary(req.query.format, req.body);
    const body = req.body as { scenario?: unknown };
    if (req.query.format === 'local' && body.scenario !== req.query.scenario) {
      throw new SummaryError(`body.scenario is "${String(body.scenario)}" but the URL names ${req.query.scenario}: post each summary under its own scenario`);
    }
    run.target = req.query.target ?? run.target;
    run.revision = req.query.revision ?? run.revision;
    return reply.code(201).send(await storeRun(app.db, req.query.scenario, run, req.body, actorOf(req.principal!)));
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/loadtest-runs', {
    config: { auth: { permission: 'loadtests:read' } },
    schema: {
      tags: ['loadtests'], summary: 'Load-test runs, newest first, with p95, p99, error rate, throughput and each threshold\'s result',
      querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(Run) }), ...errors(400) },
    },
  }, async (req) => ({ items: await listRuns(app.db, { scenario: req.query.scenario, limit: req.query.limit ?? 50 }) }));

  app.get('/api/v1/loadtest-scenarios', {
    config: { auth: { permission: 'loadtests:read' } },
    schema: {
      tags: ['loadtests'], summary: 'Scenarios that have imported runs',
      response: { 200: Type.Object({ items: Type.Array(Type.Object({ scenario: Type.String(), runs: Type.Integer(), latest: DateTime })) }) },
    },
  }, async () => ({ items: await listScenarios(app.db) }));
}
