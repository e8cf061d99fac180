// `npm run bench:reaction`: breach → action. How long from an Alertmanager webhook arriving
// (or from the SLO evaluation that finds an SLO burning past its page threshold) to the
// remediation applied through the Kubernetes client: the Deployment's replicas changed on
// the (sandbox) API server. Beside it, the baseline: the SLO evaluation interval (60 s), and
// the goal of 5 s (the HPA syncs every 15 s, KEDA polls every 30 s).
// Everything is real and in one process: PostgreSQL, the API over HTTP, the controller
// runtime with its lease, its 2-second schedule and the wake on new alerts, the sandbox.
// Environment: DATABASE_URL (default: a fresh embedded PostgreSQL), BENCH_TRIALS (5).
import { rmSync } from 'node:fs';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { createToken } from '../tenancy/tokens.ts';
import { buildRuntime, defaultActionRegistry } from '../controllers/index.ts';
import { REMEDIATION } from '../controllers/remediation/controller.ts';
import { parsePolicy, putPolicy } from '../controllers/remediation/policy.ts';
import { Kube } from '../kube/client.ts';
import { startSandbox, TEST_TIMINGS } from '../sandbox/index.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const EVALUATION_INTERVAL_S = 60;
const GOAL_S = 5;

const server = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres('pilothouse-bench-');
const url = process.env.DATABASE_URL ?? server!.url;
await migrate(url);
const db = createPool(url, 10);
const sandbox = await startSandbox({ seed: 3, timings: TEST_TIMINGS });
const kube = new Kube({ server: sandbox.url });
const config = loadConfig({ LOG_LEVEL: 'silent', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_DEMO: 'off', PORT: '0' });
const actions = defaultActionRegistry();
const app = await buildApp({ config, db, console: false, cluster: { mode: 'simulated', server: sandbox.url } as never, actions });
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const runtime = buildRuntime({ db, kube, remediation: { registry: actions } });
await runtime.start();
// As server/main.ts: a new alert wakes remediation at once.
app.alertEvents.on('changed', () => { if (runtime.isLeader()) void runtime.wake(REMEDIATION).catch(() => {}); });
const alertsToken = (await createToken(db, { name: 'bench-alerts', tenantId: null, role: 'alerts' })).secret;
const sre = (await createToken(db, { name: 'bench-sre', tenantId: null, role: 'sre' })).secret;

await kube.core.createNamespace({ body: { metadata: { name: 'bench' } } });
async function deployment(name: string) {
  await kube.apps.createNamespacedDeployment({ namespace: 'bench', body: {
    metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu: '10m' } } }] } } },
  } });
}
/** Resolves with the time the API server stored a scale-up of `name`. */
function scaled(name: string): Promise<number> {
  return new Promise((ok) => {
    const on = (ev: { resource: string; object: { metadata: { namespace?: string; name: string }; spec?: { replicas?: number } } }) => {
      if (ev.resource === 'apps/deployments' && ev.object.metadata.namespace === 'bench' && ev.object.metadata.name === name && (ev.object.spec?.replicas ?? 1) > 1) {
        sandbox.server.store.events.off('event', on);
        ok(performance.now());
      }
    };
    sandbox.server.store.events.on('event', on);
  });
}
const policy = async (name: string, match: string[], deployment: string) => {
  const { matchers: _m, ...p } = parsePolicy({ name, match, action: 'scale-deployment', params: { namespace: 'bench', name: deployment, max: 5 }, cooldownSeconds: 0, maxTargetsPerHour: 1000, maxActionsPerHour: 1000 });
  await putPolicy(db, p, 'bench');
};
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)]!, max: s.at(-1)! };
};

// 1. Alertmanager webhook arrives → scaled.
const webhook: number[] = [];
for (let i = 0; i < TRIALS; i++) {
  const name = `wh-${i}`;
  await deployment(name);
  await policy(`bench-wh-${i}`, [`alertname="BenchSaturated"`, `trial="${i}"`], name);
  const done = scaled(name);
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/alerts/alertmanager`, {
    method: 'POST', headers: { authorization: `Bearer ${alertsToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: '4', groupKey: 'bench', status: 'firing', receiver: 'pilothouse', alerts: [{ status: 'firing', labels: { alertname: 'BenchSaturated', trial: String(i) }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: `b${i}${Date.now()}` }] }),
  });
  if (!res.ok) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  webhook.push((await done) - t0);
}

// 2. The SLO evaluation that finds the page threshold crossed → scaled.
const slo: number[] = [];
for (let i = 0; i < TRIALS; i++) {
  const name = `slo-${i}`;
  const sloName = `bench-errors-${i}`;
  await deployment(name);
  const spec = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${sloName}
spec:
  service: platform
  indicator:
    metadata: {name: ${sloName}-errors}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {metricSourceRef: pilothouse-postgres, spec: {dataset: requests, service: bench${i}, outcome: error}}}
        total: {metricSource: {metricSourceRef: pilothouse-postgres, spec: {dataset: requests, service: bench${i}}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`;
  const created = await app.inject({ method: 'POST', url: '/api/v1/slos', headers: { authorization: `Bearer ${sre}` }, payload: { spec } });
  if (created.statusCode !== 201) throw new Error(`SLO create: ${created.body}`);
  await policy(`bench-slo-${i}`, [`slo="${sloName}"`, 'severity="page"'], name);
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  for (let m = 1; m <= 70; m++) {
    const buckets = new Array(20).fill(0);
    buckets[5] = 1000;
    await db.query(`INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, $1, 'GET /x', $2, 1000, 20, 0, $3)`, [`bench${i}`, new Date(now - m * 60_000), buckets]);
  }
  const done = scaled(name);
  const t0 = performance.now();
  const ev = await fetch(`${base}/api/v1/slos/evaluate`, { method: 'POST', headers: { authorization: `Bearer ${sre}`, 'content-type': 'application/json' }, body: JSON.stringify({ slos: [sloName] }) });
  if (!ev.ok) throw new Error(`evaluate answered ${ev.status}: ${await ev.text()}`);
  slo.push((await done) - t0);
}

const show = (label: string, xs: number[]) => {
  const { p50, max } = stats(xs);
  console.log(`  ${label}: p50 ${(p50 / 1000).toFixed(3)} s, max ${(max / 1000).toFixed(3)} s  (${(p50 / 1000 / EVALUATION_INTERVAL_S * 100).toFixed(2)} % of the ${EVALUATION_INTERVAL_S} s evaluation interval; goal ${GOAL_S} s: ${max / 1000 <= GOAL_S ? 'met' : 'missed'})`);
  return p50;
};
console.log(`breach → action, ${TRIALS} trials each (remediation applied = the Deployment's replicas changed on the API server)`);
console.log(`  baseline: the SLO evaluation interval, ${EVALUATION_INTERVAL_S} s (an SLO breach waits up to this long to be evaluated)`);
show('Alertmanager webhook arrives → scale-up applied', webhook);
const sloP50 = show('SLO evaluation crosses the page threshold → scale-up applied', slo);
console.log(`  worst case from the first bad minute, with the 60 s evaluation: ${(EVALUATION_INTERVAL_S + stats(slo).max / 1000).toFixed(1)} s; p50 ${((EVALUATION_INTERVAL_S / 2) + sloP50 / 1000).toFixed(1)} s`);

await runtime.stop();
await app.close();
await db.end();
await sandbox.close();
if (server) { await server.stop(); rmSync(server.dir, { recursive: true, force: true }); }
process.exit(0);
