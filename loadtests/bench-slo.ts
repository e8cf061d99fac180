// `npm run bench:slo`: one evaluation pass over 1,000 SLOs whose SLIs read PostgreSQL (the
// request rollups: a month of minute rows for 100 services), beside the same SQL issued raw
// through pg in the same run. A pass is what the minute job does before storing: for each
// SLO, the counts of the period so far and of every alert window, then the budget, burn
// rates and alert state. The goal is under 1 s per pass.
// Environment: DATABASE_URL (default: a fresh embedded PostgreSQL), BENCH_SLOS (1000),
// BENCH_SERVICES (100), BENCH_DAYS (30), BENCH_TRIALS (3).
import { rmSync } from 'node:fs';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Queryable } from '../db/pool.ts';
import { evaluateSlo } from '../slo/evaluate/evaluate.ts';
import { measure } from '../slo/evaluate/measure.ts';
import { PostgresSource } from '../slo/sources/postgres.ts';
import { compileSpecs } from '../slo/openslo/compile.ts';
import { parseYaml } from '../slo/openslo/load.ts';

const SLOS = Number(process.env.BENCH_SLOS ?? 1000);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);

const server = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres('pilothouse-bench-slo-');
const url = process.env.DATABASE_URL ?? server!.url;
await migrate(url);
const db = createPool(url, 4);

// A month of minute rollups per service: 1% errors, latencies spread over the buckets.
const t0 = performance.now();
await db.query(`DELETE FROM request_rollups WHERE service LIKE 'bench-%'`);
await db.query(
  `INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets)
   SELECT NULL, 'bench-' || s, 'GET /api', m, 100, (s + extract(epoch FROM m)::bigint / 60) % 2, 0,
          ARRAY[0,0,0,5,10,20,20,20,10,5,5,5,0,0,0,0,0,0,0,0]::bigint[]
     FROM generate_series(1, $1::int) s,
          generate_series(date_trunc('minute', now()) - make_interval(days => $2::int), date_trunc('minute', now()) - interval '1 minute', interval '1 minute') m`,
  [SERVICES, DAYS]);
await db.query('ANALYZE request_rollups');
const n = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM request_rollups WHERE service LIKE 'bench-%'`)).rows[0]!.n;
console.log(`seeded ${n.toLocaleString('en')} minute rollups (${SERVICES} services × ${DAYS} days) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 1,000 SLOs: per service, availability objectives (bad/total) and latency objectives
// (a threshold on the rollup buckets), on a 30-day rolling window.
const TARGETS = [0.99, 0.995, 0.999, 0.9995, 0.9999];
const LATENCY = [0.05, 0.1, 0.25, 0.5, 1];
let yaml = '';
for (let i = 0; i < SLOS; i++) {
  const svc = `bench-${(i % SERVICES) + 1}`;
  const k = Math.floor(i / SERVICES) % 10;
  const indicator = k < 5
    ? `ratioMetric:
        bad: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: ${svc}, outcome: error}}}
        total: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: ${svc}}}}`
    : `thresholdMetric: {metricSource: {type: PostgreSQL, spec: {dataset: requests, service: ${svc}}}}`;
  const objective = k < 5 ? `{target: ${TARGETS[k]}}` : `{op: lte, value: ${LATENCY[k - 5]}, target: 0.95}`;
  yaml += `---
apiVersion: openslo/v1
kind: SLO
metadata: {name: slo-${i}}
spec:
  service: ${svc}
  indicator:
    metadata: {name: sli-${i}}
    spec:
      ${indicator}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [${objective}]
`;
}
const compiled = compileSpecs(parseYaml(yaml, 'bench').docs);
if (compiled.problems.length) throw new Error(compiled.problems.map((p) => p.message).join('\n'));
const slos = compiled.slos;

/** Records every query the engine issues (text and parameters), passing it through. */
function recording(inner: Queryable, log: { text: string; values: unknown[] }[]): Queryable {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return (text: string, values: unknown[]) => {
        log.push({ text, values });
        return (target.query as (t: string, v: unknown[]) => Promise<unknown>)(text, values);
      };
    },
  }) as Queryable;
}

async function pass(source: PostgresSource): Promise<number> {
  const now = new Date();
  const start = performance.now();
  await source.prepare(slos, now);
  let paging = 0;
  for (const slo of slos) {
    const e = evaluateSlo(slo, await measure(slo, source, now), now);
    if (e.alert !== 'none') paging++;
  }
  const ms = performance.now() - start;
  if (paging > slos.length) throw new Error('unreachable');
  return ms;
}

const log: { text: string; values: unknown[] }[] = [];
// The first pass also sums the month's hours once (slo_request_hours); later passes sum
// only the hours that became final since. It records the queries to replay.
const first = await pass(new PostgresSource(recording(db, log)));
const queries = log.splice(0);
const engine: number[] = [];
const raw: number[] = [];
for (let i = 0; i < TRIALS; i++) {
  engine.push(await pass(new PostgresSource(db)));
  const start = performance.now();
  for (const q of queries) await db.query(q.text, q.values);
  raw.push(performance.now() - start);
}
// The same SLOs without the read-ahead (each its own queries), timed on a sample.
const SAMPLE = Math.min(20, slos.length);
const sampleStart = performance.now();
{
  const direct = new PostgresSource(db);
  const now = new Date();
  for (const slo of slos.slice(0, SAMPLE)) evaluateSlo(slo, await measure(slo, direct, now), now);
}
const perSlo = (performance.now() - sampleStart) / SAMPLE;
const best = (xs: number[]) => Math.min(...xs);
console.log(`one evaluation pass over ${slos.length} SLOs (${queries.length} SQL queries), best of ${TRIALS}:`);
console.log(`  baseline, the same queries issued raw: ${best(raw).toFixed(0)} ms`);
console.log(`  Pilothouse evaluation pass:            ${best(engine).toFixed(0)} ms  (${(best(engine) / best(raw)).toFixed(2)}× the raw queries; goal < 1000 ms: ${best(engine) < 1000 ? 'met' : 'NOT met'})`);
console.log(`  first pass (sums the month into hours once): ${first.toFixed(0)} ms`);
console.log(`  for scale, each SLO querying alone:    ${perSlo.toFixed(0)} ms per SLO (${SAMPLE} sampled), about ${((perSlo * slos.length) / 1000).toFixed(0)} s per pass`);

await db.end();
await server?.stop();
if (server) rmSync(server.dir, { recursive: true, force: true });
