// `npm run bench:controllers`: what the controllers' safety costs, each figure beside a
// baseline measured in the same run.
//  1. Admission: workspace creates per second with quota admission (tenant row lock, usage
//     sums) against plain inserts, for one tenant (all serialised) and for eight in parallel.
//  2. Reconcile: one steady-state lifecycle pass (observe the cluster and the database,
//     decide nothing) over N running workspaces, against one bare LIST of their Deployments.
//  3. Failover: time for a standby to lead after the leader stops without releasing the
//     lease, against the lease's time to live.
// Environment: DATABASE_URL (default: a fresh embedded PostgreSQL), BENCH_CREATES (400),
// BENCH_WORKSPACES (200), BENCH_TRIALS (3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createWorkspace } from '../tenancy/workspaces.ts';
import { createAdmitted } from '../admission/workspaces.ts';
import { ControllerRuntime } from '../controllers/runtime/runtime.ts';
import { PgElector } from '../controllers/runtime/elector.ts';
import { buildRuntime } from '../controllers/index.ts';
import { Kube } from '../kube/client.ts';
import { listObjects } from '../kube/objects.ts';
import { MANAGED_SELECTOR } from '../controllers/workspaces/manifests.ts';
import { startSandbox, TEST_TIMINGS } from '../sandbox/index.ts';

const CREATES = Number(process.env.BENCH_CREATES ?? 400);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 200);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const CONCURRENCY = 8;

const server = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres('pilothouse-bench-');
const dir = server?.dir ?? mkdtempSync(join(tmpdir(), 'pilothouse-bench-'));
const url = process.env.DATABASE_URL ?? server!.url;
await migrate(url);
const db: Db = createPool(url, CONCURRENCY + 4);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
let seq = 0;

async function perSecond(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await fn(next++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

const quota = { hard: { 'count/workspaces': 1_000_000, 'requests.cpu': '1000000', 'llm.tokens': 1e12 } };
const plainTenant = await createTenant(db, { name: `bench-plain-${Date.now()}` });
const oneTenant = await createTenant(db, { name: `bench-one-${Date.now()}`, resourceQuota: quota });
const many = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => createTenant(db, { name: `bench-many-${i}-${Date.now()}`, resourceQuota: quota })));
const ws = (tenantId: string) => ({ tenantId, name: `w-${++seq}`, region: 'eu-west-1' });

const plain = await perSecond(CREATES, () => createWorkspace(db, ws(plainTenant.id)));
const admittedOne = await perSecond(CREATES, () => createAdmitted(db, ws(oneTenant.id)));
const admittedMany = await perSecond(CREATES, (i) => createAdmitted(db, ws(many[i % many.length]!.id)));
console.log(`admission: ${CREATES} workspace creates, ${CONCURRENCY} at a time`);
console.log(`  baseline, plain insert: ${plain.toFixed(0)}/s`);
console.log(`  admitted, one tenant (serialised by its row lock): ${admittedOne.toFixed(0)}/s (${(admittedOne / plain).toFixed(2)} × baseline)`);
console.log(`  admitted, ${CONCURRENCY} tenants: ${admittedMany.toFixed(0)}/s (${(admittedMany / plain).toFixed(2)} × baseline)`);

// 2. A steady-state lifecycle pass.
const sandbox = await startSandbox({ timings: TEST_TIMINGS, seed: 3, pools: [{ name: 'bench', region: 'eu-west-1', zones: ['eu-west-1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 1, max: 200, initial: Math.ceil(WORKSPACES / 20) }] });
const kube = new Kube({ server: sandbox.url });
const fleetTenant = await createTenant(db, { name: `bench-fleet-${Date.now()}` });
const lifecycle = buildRuntime({ db, kube, holder: 'bench', lease: 'postgres', leaseTtlMs: 30_000, rates: { 'workspace-lifecycle': { perMinute: 1e9, burst: 1e9 } } });
await lifecycle.tick();
for (let i = 0; i < WORKSPACES; i++) await createWorkspace(db, ws(fleetTenant.id));
await db.query(`UPDATE workspaces SET state = 'archived', archived_at = now() WHERE tenant_id <> $1`, [fleetTenant.id]);
for (let pass = 0; pass < 60; pass++) {
  await lifecycle.tick();
  await lifecycle.runOnce('workspace-lifecycle');
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1 AND state = 'running'`, [fleetTenant.id]);
  if (rows[0].n === WORKSPACES) break;
  await sleep(200);
}
const timeIt = async (fn: () => Promise<unknown>, n = 5) => {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
};
const listMs = await timeIt(() => listObjects(kube, 'Deployment', MANAGED_SELECTOR));
let decided = 0;
await lifecycle.tick();
const passMs = await timeIt(async () => {
  const r = await lifecycle.runOnce('workspace-lifecycle');
  if (r.skipped || r.error) throw new Error(`the lifecycle pass did not run: ${r.skipped ?? r.error}`);
  decided += r.decisions;
});
const { rows: up } = await db.query(`SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1 AND state = 'running'`, [fleetTenant.id]);
console.log(`reconcile: one steady-state lifecycle pass over ${up[0].n} running workspaces (${decided} decisions in the timed passes)`);
console.log(`  baseline, one LIST of their Deployments: ${listMs.toFixed(1)} ms`);
console.log(`  observe (namespaces, pods, 4 kinds, workspace rows) + decide: ${passMs.toFixed(1)} ms (${(passMs / listMs).toFixed(2)} × baseline)`);
await lifecycle.stop();
await sandbox.close();

// 3. Failover.
const TTL = 2_000;
const takeovers: number[] = [];
for (let trial = 0; trial < TRIALS; trial++) {
  const lease = `bench-failover-${trial}`;
  const a = new ControllerRuntime({ db, elector: new PgElector(db, lease, 'a', TTL), controllers: [] });
  const b = new ControllerRuntime({ db, elector: new PgElector(db, lease, 'b', TTL), controllers: [] });
  await a.start();
  await b.start();
  await sleep(500 + Math.random() * 500);
  const t0 = performance.now();
  await a.abandon();
  while (!b.isLeader()) await sleep(10);
  takeovers.push(performance.now() - t0);
  await b.stop();
}
const mean = takeovers.reduce((x, y) => x + y, 0) / takeovers.length;
console.log(`failover: a standby leads after the leader stops without releasing the lease (${TRIALS} trials, renewal every ${Math.floor(TTL / 3)} ms)`);
console.log(`  baseline, lease time to live: ${TTL} ms`);
console.log(`  takeover: mean ${mean.toFixed(0)} ms, max ${Math.max(...takeovers).toFixed(0)} ms (${(mean / TTL).toFixed(2)} × baseline)`);

await db.end();
await server?.stop();
rmSync(dir, { recursive: true, force: true });
