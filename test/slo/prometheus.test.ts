// A real Prometheus (Debian's package) on loopback scrapes a target whose counters grow at a
// known 2% error ratio and runs the generated rules; the engine's Prometheus source must
// agree with the rules on the burn rate, and both must say "page". Bounded: 1 s scrape and
// evaluation intervals, at most ~45 s of waiting.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFiles } from '../../slo/catalog.ts';
import { evaluateSlo } from '../../slo/evaluate/evaluate.ts';
import { measure } from '../../slo/evaluate/measure.ts';
import { generateRules } from '../../slo/rules/generate.ts';
import { toYaml } from '../../slo/rules/yaml.ts';
import { PrometheusClient, PrometheusSource } from '../../slo/sources/prometheus.ts';
import type { SloDefinition } from '../../slo/openslo/types.ts';
import { skipWithout, TOOLS } from '../tools.ts';

const skip = skipWithout('prometheus');
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-prom-'));
const ERROR_RATIO = 0.02;
const RATE = 100; // requests per second
let target: Server;
let prometheus: ChildProcess | undefined;
let promUrl = '';
let slo: SloDefinition;
let client: PrometheusClient;
let log = '';

const freePort = () => new Promise<number>((ok) => {
  const s = netServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => ok(port));
  });
});

before(async () => {
  if (skip) return;
  const started = Date.now();
  // Counters proportional to elapsed time: the error ratio over any window is exactly 2%.
  target = createServer((_req, res) => {
    const s = (Date.now() - started) / 1000;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE demo_requests_total counter\ndemo_requests_total{code="200"} ${RATE * (1 - ERROR_RATIO) * s}\ndemo_requests_total{code="500"} ${RATE * ERROR_RATIO * s}\n`);
  });
  await new Promise<void>((ok) => target.listen(0, '127.0.0.1', ok));
  const targetPort = (target.address() as { port: number }).port;

  writeFileSync(join(dir, 'slo.yaml'), `apiVersion: openslo/v1
kind: Service
metadata: {name: demo}
spec: {}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: demo-availability}
spec:
  service: demo
  indicator:
    metadata: {name: demo-errors}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'demo_requests_total{code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: demo_requests_total}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`);
  const compiled = await compileFiles([join(dir, 'slo.yaml')]);
  assert.deepEqual(compiled.problems, []);
  slo = compiled.slos[0]!;
  writeFileSync(join(dir, 'rules.yaml'), toYaml(generateRules([slo], { runbookBaseUrl: 'http://127.0.0.1', interval: '1s' }).file));
  writeFileSync(join(dir, 'prometheus.yml'), toYaml({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yaml')],
    scrape_configs: [{ job_name: 'demo', static_configs: [{ targets: [`127.0.0.1:${targetPort}`] }] }],
  }));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(TOOLS.prometheus.path, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  prometheus.stderr!.on('data', (d) => (log += d));
  client = new PrometheusClient(promUrl, 2000);
});

after(async () => {
  prometheus?.kill('SIGTERM');
  await new Promise((ok) => (prometheus && prometheus.exitCode === null ? prometheus.once('exit', ok) : ok(null)));
  target?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls until `query` returns a sample, for at most `ms`. */
async function waitFor(query: string, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await res.json()) as { data?: { result: { value: [number, string] }[] } };
      const v = body.data?.result[0]?.value[1];
      if (v !== undefined && v !== 'NaN') return Number(v);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no sample for ${query} within ${ms} ms (${String(last ?? '')}); prometheus said: ${log.slice(-2000)}`);
}

const near = (a: number, b: number, tolerance: number, what: string) => assert.ok(Math.abs(a - b) <= tolerance * Math.abs(b), `${what}: ${a} vs ${b}`);

test('the engine\'s Prometheus source and the generated rules agree on the burn rate (20 at 2% against 99.9%)', { skip }, async () => {
  // A few scrapes in, so the 5m rate has several samples.
  const byRules = await waitFor('slo:current_burn_rate:ratio{sloth_slo="demo-availability"}', 30_000);
  await new Promise((r) => setTimeout(r, 3000));
  const now = new Date();
  const source = new PrometheusSource(client);
  const [five] = await source.counts(slo, [{ from: new Date(now.getTime() - 300_000), to: now }]);
  const byEngine = five!.bad / five!.total / (1 - slo.objective);
  const rulesNow = await waitFor('slo:current_burn_rate:ratio{sloth_slo="demo-availability"}', 5000);
  near(byEngine, 20, 0.02, 'engine 5m burn rate');
  near(rulesNow, 20, 0.02, 'recorded slo:current_burn_rate:ratio');
  near(byRules, 20, 0.02, 'first recorded burn rate');
  const period = await waitFor('slo:period_burn_rate:ratio{sloth_slo="demo-availability"}', 5000);
  near(period, 20, 0.02, 'recorded slo:period_burn_rate:ratio (total bad ÷ total events)');
});

test('both the engine\'s evaluation and Prometheus\'s generated alert say page', { skip }, async () => {
  const evaluation = evaluateSlo(slo, await measure(slo, new PrometheusSource(client), new Date()), new Date());
  assert.equal(evaluation.alert, 'page');
  near(evaluation.burnRates.find((b) => b.windowMs === 3_600_000)!.burnRate, 20, 0.02, 'engine 1h burn rate');
  const firing = await waitFor('count(ALERTS{alertstate="firing", severity="page", sloth_slo="demo-availability"})', 15_000);
  assert.equal(firing, 1);
});
