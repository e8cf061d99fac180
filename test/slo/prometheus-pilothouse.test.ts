// A real Prometheus scrapes a healthy Pilothouse (no request has failed) and runs the rules
// of the shipped specs: the availability SLOs must show an SLI of 100% and the whole budget
// left, not "no data" (the bad-requests series does not exist yet), and Pilothouse's own
// evaluation through PROMETHEUS_URL must agree. Scrapes and health checks are left out of
// the SLI, so the traffic counted is the API requests made here. Bounded: 1 s scrape and
// evaluation intervals, at most ~40 s of waiting.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSpecDir } from '../../slo/catalog.ts';
import { evaluateSlo } from '../../slo/evaluate/evaluate.ts';
import { measure } from '../../slo/evaluate/measure.ts';
import { generateRules } from '../../slo/rules/generate.ts';
import { toYaml } from '../../slo/rules/yaml.ts';
import { PrometheusClient, PrometheusSource } from '../../slo/sources/prometheus.ts';
import { bearer, buildTestApp, type TestApp } from '../helper.ts';
import { skipWithout, TOOLS } from '../tools.ts';

const skip = skipWithout('prometheus');
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-prom-self-'));
// Built here, not in before(): its own after() hook must run when the file ends.
const t: TestApp | undefined = skip ? undefined : await buildTestApp();
let prometheus: ChildProcess | undefined;
let promUrl = '';
let log = '';
let traffic: ReturnType<typeof setInterval> | undefined;

const freePort = () => new Promise<number>((ok) => {
  const s = netServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => ok(port));
  });
});

before(async () => {
  if (!t) return;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const target = `127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  const { slos, problems } = await compileSpecDir();
  assert.deepEqual(problems, []);
  writeFileSync(join(dir, 'rules.yaml'), toYaml(generateRules(slos, { runbookBaseUrl: 'http://127.0.0.1', interval: '1s' }).file));
  writeFileSync(join(dir, 'prometheus.yml'), toYaml({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yaml')],
    scrape_configs: [{ job_name: 'pilothouse', static_configs: [{ targets: [target] }] }],
  }));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(TOOLS.prometheus.path, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  prometheus.stderr!.on('data', (d) => (log += d));
  // Healthy traffic while Prometheus scrapes: API reads answered 200, and health checks
  // (which must not count). Four requests a second, stopped after the tests.
  const viewer = await t.token('viewer');
  traffic = setInterval(() => {
    void fetch(`http://${target}/healthz`).catch(() => undefined);
    void fetch(`http://${target}/api/v1/me`, { headers: bearer(viewer) }).catch(() => undefined);
  }, 500);
});

after(async () => {
  clearInterval(traffic);
  prometheus?.kill('SIGTERM');
  await new Promise((ok) => (prometheus && prometheus.exitCode === null ? prometheus.once('exit', ok) : ok(null)));
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(query: string, ms: number): Promise<number> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const body = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`).then((r) => r.json() as Promise<{ data?: { result: { value: [number, string] }[] } }>).catch(() => undefined);
    const v = body?.data?.result[0]?.value[1];
    if (v !== undefined && v !== 'NaN') return Number(v);
    await new Promise((r) => setTimeout(r, 500));
  }
  const targets = await fetch(`${promUrl}/api/v1/targets`).then((r) => r.text()).catch((e: Error) => e.message);
  throw new Error(`no sample for ${query} within ${ms} ms; targets: ${targets.slice(0, 2000)}; prometheus said: ${log.slice(-2000)}`);
}

test('a healthy Pilothouse shows its availability SLOs at 100% SLI and 100% budget left', { skip }, async () => {
  for (const slo of ['api-availability-999', 'api-availability-9999']) {
    assert.equal(await waitFor(`slo:period_error_budget_remaining:ratio{sloth_slo="${slo}"}`, 30_000), 1, slo);
    assert.equal(await waitFor(`slo:sli_error:ratio_rate5m{sloth_slo="${slo}"}`, 5000), 0, slo);
  }
  // The API requests were counted; scrapes of /metrics and /healthz were not.
  const counted = await waitFor('sum(http_server_request_duration_seconds_count{job="pilothouse", route!~"/metrics|/healthz|/readyz"})', 5000);
  const healthz = await waitFor('sum(http_server_request_duration_seconds_count{job="pilothouse", route="/healthz"})', 5000);
  assert.ok(counted >= 5 && healthz >= 5, `${counted} API requests, ${healthz} health checks`);
});

test('Pilothouse\'s own evaluation through PROMETHEUS_URL agrees: SLI 1, budget 1, no alert', { skip }, async () => {
  const { slos } = await compileSpecDir();
  const slo = slos.find((s) => s.name === 'api-availability-999')!;
  const now = new Date();
  const e = evaluateSlo(slo, await measure(slo, new PrometheusSource(new PrometheusClient(promUrl, 2000)), now), now);
  assert.ok(e.events > 0, 'requests counted');
  assert.equal(e.sli, 1);
  assert.equal(e.budgetRemaining, 1);
  assert.equal(e.alert, 'none');
});
