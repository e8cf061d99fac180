// `npm run bench:sandbox`: requests per second the sandbox API server answers through the
// real Kubernetes client through kube/ (one client, sequential, loopback), each verb beside a
// baseline measured in the same run: GET /version, which does no store work. And the time
// of one simulated control-plane pass over fleets of growing size.
// The client library (2.0.1) builds a new undici Agent (so a new connection) for every
// request when the cluster has TLS options (skipTLSVerify included); idle ones close after
// undici's 4 s keep-alive. Each measurement is therefore a fixed count, with a pause after
// it so sockets drain; the rates include that connection cost, as controllers pay it.
// Environment: BENCH_REQUESTS per measurement (default 1000), BENCH_FLEET (default 100,300).
import { Kube } from '../kube/client.ts';
import { startSandboxApi } from '../sandbox/k8s/index.ts';
import { ControlPlane } from '../sandbox/fleet/control-plane.ts';
import { NodePools } from '../sandbox/fleet/nodes.ts';
import { TEST_TIMINGS } from '../sandbox/fleet/catalogue.ts';
import { seeded } from '../sandbox/fleet/random.ts';
import { resourceByKey } from '../sandbox/k8s/resources.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const FLEETS = (process.env.BENCH_FLEET ?? '100,300').split(',').map(Number);

const drain = () => new Promise((ok) => setTimeout(ok, 5_000));

async function rate(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) await fn();
  const perSecond = REQUESTS / ((performance.now() - t0) / 1000);
  await drain();
  return perSecond;
}

const api = await startSandboxApi();
// Pilothouse's own client (kube/), called directly: the rates are the API server's, not the retries'.
const kube = new Kube({ server: api.url });
const { version, core, apps } = kube;
await core.createNamespace({ body: { metadata: { name: 'bench' } } });
const labels = { app: 'bench' };
await apps.createNamespacedDeployment({ namespace: 'bench', body: { metadata: { name: 'd', labels }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } } });
for (let i = 0; i < 500; i++) await core.createNamespacedConfigMap({ namespace: 'bench', body: { metadata: { name: `cm-${i}`, labels: { shard: String(i % 10) } }, data: { v: '0' } } });
await drain();

const baseline = await rate(() => version.getCode());
const rows: Array<[string, number]> = [
  ['GET deployment', await rate(() => apps.readNamespacedDeployment({ namespace: 'bench', name: 'd' }))],
  ['PUT configmap (read, then replace with its resourceVersion)', await rate(async () => {
    const cm = await core.readNamespacedConfigMap({ namespace: 'bench', name: 'cm-1' });
    await core.replaceNamespacedConfigMap({ namespace: 'bench', name: 'cm-1', body: { ...cm, data: { v: String(Number(cm.data!.v) + 1) } } });
  }) * 2],
  ['PATCH scale (JSON patch)', await rate(() => apps.patchNamespacedDeploymentScale({ namespace: 'bench', name: 'd', body: [{ op: 'replace', path: '/spec/replicas', value: Math.floor(Math.random() * 5) }] }))],
  ['LIST 50 of 500 configmaps by label', await rate(() => core.listNamespacedConfigMap({ namespace: 'bench', labelSelector: 'shard=3' }))],
];
await api.close();

console.log(`sandbox API server through the real client (kube/), ${REQUESTS} requests each, sequential`);
console.log(`  baseline GET /version: ${baseline.toFixed(0)} req/s`);
for (const [what, r] of rows) console.log(`  ${what}: ${r.toFixed(0)} req/s (${(r / baseline).toFixed(2)} × baseline)`);

console.log('simulated control plane: one reconcile pass');
for (const n of FLEETS) {
  const fleetApi = await startSandboxApi();
  const store = fleetApi.server.store;
  const rnd = seeded(1);
  const cp = new ControlPlane(store, TEST_TIMINGS, rnd);
  const pools = new NodePools(store, [{ name: 'p', region: 'r', zones: ['a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 1, max: 100, initial: Math.ceil(n / 14) }], TEST_TIMINGS, rnd, cp);
  pools.init();
  for (let i = 0; i < Math.ceil(n / 50); i++) store.create(resourceByKey('namespaces'), undefined, { metadata: { name: `t${i}` } });
  for (let i = 0; i < n; i++) {
    const l = { ws: `w${i}` };
    store.create(resourceByKey('apps/deployments'), `t${i % Math.ceil(n / 50)}`, { metadata: { name: `w${i}`, labels: l }, spec: { selector: { matchLabels: l }, template: { metadata: { labels: l }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { requests: { cpu: '500m', memory: '3Gi' } } }] } } } });
  }
  for (let i = 0; i < 5; i++) cp.reconcile();
  const t0 = performance.now();
  const passes = 5;
  for (let i = 0; i < passes; i++) cp.reconcile();
  const ms = (performance.now() - t0) / passes;
  console.log(`  ${n} workspaces (${store.list(resourceByKey('pods'), undefined).items.length} pods): ${ms.toFixed(1)} ms per pass`);
  await fleetApi.close();
}
