// Gauges read from PostgreSQL when Prometheus scrapes, for the dashboards of tenant usage and
// cost and of load-test runs: the figures live in the database (every replica reports the
// same values), so they are queried at scrape time rather than counted in memory.
// Cardinality is bounded: the largest tenants and the known scenarios only.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';

const MAX_TENANTS = 200;
const MAX_SCENARIOS = 100;

export default fp(async function storedGauges(app: FastifyInstance) {
  const registry = app.metrics;
  new Gauge({
    name: 'pilothouse_tenant_usage_month',
    help: 'Usage this calendar month (UTC) by tenant and meter, from the hourly rollups (llm.cost_usd is the tenant\'s LLM cost in USD)',
    labelNames: ['tenant', 'meter'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await app.db.query<{ tenant: string; meter: string; sum: string }>(
        `WITH month AS (
           SELECT r.tenant_id, r.meter, sum(r.sum) AS sum FROM usage_rollups_hourly r
            WHERE r.hour >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' GROUP BY 1, 2
         ), top AS (
           SELECT tenant_id FROM month GROUP BY tenant_id ORDER BY sum(sum) DESC LIMIT $1
         )
         SELECT t.name AS tenant, m.meter, m.sum FROM month m JOIN top USING (tenant_id) JOIN tenants t ON t.id = m.tenant_id`,
        [MAX_TENANTS],
      );
      for (const r of rows) this.set({ tenant: r.tenant, meter: r.meter }, Number(r.sum));
    },
  });
  const latest = (name: string, help: string, column: string) => new Gauge({
    name, help, labelNames: ['scenario'] as const, registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await app.db.query<{ scenario: string; v: number | null }>(
        `SELECT DISTINCT ON (scenario) scenario, ${column} AS v FROM loadtest_runs ORDER BY scenario, created_at DESC, id DESC LIMIT $1`, [MAX_SCENARIOS],
      );
      for (const r of rows) if (r.v !== null) this.set({ scenario: r.scenario }, Number(r.v));
    },
  });
  latest('pilothouse_loadtest_latest_p95_seconds', 'p95 latency of the latest imported load-test run, by scenario', 'p95_ms / 1000');
  latest('pilothouse_loadtest_latest_p99_seconds', 'p99 latency of the latest imported load-test run, by scenario', 'p99_ms / 1000');
  latest('pilothouse_loadtest_latest_error_ratio', 'error rate of the latest imported load-test run, by scenario', 'error_rate');
  latest('pilothouse_loadtest_latest_throughput', 'requests per second answered in the latest imported load-test run, by scenario', 'throughput');
  latest('pilothouse_loadtest_latest_passed', '1 when the latest imported load-test run met every threshold, else 0, by scenario', 'passed::int');
  latest('pilothouse_loadtest_runs', 'load-test runs imported, by scenario', '(SELECT count(*) FROM loadtest_runs x WHERE x.scenario = loadtest_runs.scenario)');
}, { name: 'pilothouse-stored-gauges', dependencies: ['pilothouse-metrics'] });
