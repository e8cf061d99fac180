// The reactive autoscaler on a PromQL metric from a real Prometheus (Debian's package) on
// loopback, through the real client against the sandbox: the query's one number against a
// per-replica target, as the HPA's External AverageValue; an empty answer is an error that
// decides nothing rather than a zero that would scale down.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipWithout, TOOLS } from '../../tools.ts';
import { buildTestApp } from '../../helper.ts';
import { buildRuntime } from '../../../controllers/index.ts';
import { createObject, readObject } from '../../../kube/objects.ts';
import { putTarget } from '../../../controllers/reactive/store.ts';
import { REACTIVE } from '../../../controllers/reactive/reactive.ts';
import { PrometheusClient } from '../../../slo/sources/prometheus.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const skip = skipWithout('prometheus');
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-prom-'));
let prometheus: ChildProcess | undefined;
after(async () => {
  prometheus?.kill('SIGTERM');
  await new Promise((ok) => (prometheus && prometheus.exitCode === null ? prometheus.once('exit', ok) : ok(null)));
  rmSync(dir, { recursive: true, force: true });
});

test('a PromQL total of 90 against 10 per replica scales 3 → 6 (legacy cap), and an empty answer holds', { skip }, async () => {
  const port = await new Promise<number>((ok) => { const s = netServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); }); });
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {scrape_interval: 15s}\n');
  prometheus = spawn(TOOLS.prometheus.path, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  const client = new PrometheusClient(`http://127.0.0.1:${port}`, 2000);
  await waitFor('Prometheus answering', () => client.single('vector(1)', new Date()).then(() => true, () => false), 30_000);

  const t = await buildTestApp();
  const cluster = await startTestCluster({ pools: [{ name: 'r1-on-demand', region: 'r1', zones: ['r1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 }] });
  const kube = cluster.kube();
  const NEVER = '0 0 0 1 1 *';
  const runtime = buildRuntime({
    db: t.db, kube: cluster.kube(), holder: 'prom-test', leaseTtlMs: 5_000,
    schedules: { 'workspace-lifecycle': NEVER, 'idle-reaper': NEVER, 'quota-enforcer': NEVER, 'headroom-autoscaler': NEVER, [REACTIVE]: NEVER, rightsizer: NEVER },
    reactive: { prometheus: (q, at) => client.single(q, at) },
  });
  await runtime.start();
  try {
    await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'platform' } }, 1);
    await createObject(kube, 'Deployment', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm-gateway', namespace: 'platform' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'gw' } }, template: { metadata: { labels: { app: 'gw' } }, spec: { containers: [{ name: 'gw', image: 'x', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } } },
    }, 1);
    await waitFor('3 replicas reported', async () => (await readObject(kube, 'Deployment', 'platform', 'llm-gateway'))?.status?.replicas === 3);
    const metric = (query: string) => ({ minReplicas: 1, maxReplicas: 20, metrics: [{ type: 'Prometheus' as const, name: 'queue', query, targetType: 'AverageValue' as const, target: 10 }] });

    await putTarget(t.db, { namespace: 'platform', name: 'llm-gateway', spec: metric('sum(nothing_scraped_here)') }, 'test');
    assert.equal((await runtime.runOnce(REACTIVE)).decisions, 0, 'an empty answer decides nothing');
    assert.equal((await readObject(kube, 'Deployment', 'platform', 'llm-gateway'))?.spec.replicas, 3);

    await putTarget(t.db, { namespace: 'platform', name: 'llm-gateway', spec: metric('vector(90)') }, 'test');
    const r = await runtime.runOnce(REACTIVE);
    assert.equal(r.applied, 1, JSON.stringify(r));
    assert.equal((await readObject(kube, 'Deployment', 'platform', 'llm-gateway'))?.spec.replicas, 6);
    const { rows: [row] } = await t.db.query(`SELECT decision, inputs FROM controller_actions WHERE controller = $1 AND status = 'applied'`, [REACTIVE]);
    assert.equal(row.decision, 'scale platform/llm-gateway 3→6');
    assert.equal(row.inputs.rawProposal, 9);
    assert.match(row.inputs.metrics[0].steps[0], /total 90000m over 3 replica\(s\) against 10000m per pod/);
  } finally {
    await runtime.stop();
  }
});
