// Two controller replicas as separate processes sharing one lease. The leader is killed
// (SIGKILL, no goodbye) in the middle of a loop of scale actions; the standby takes over
// once the lease expires and finishes the loop. Every deployment ends scaled down, and none
// is written twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { bearer, buildTestApp } from '../helper.ts';
import { buildRuntime, LEASE_NAME } from '../../controllers/index.ts';
import { readLease } from '../../controllers/runtime/lease.ts';
import { listObjects } from '../../kube/objects.ts';
import { MANAGED_SELECTOR } from '../../controllers/workspaces/manifests.ts';
import { startTestCluster, waitFor } from './cluster.ts';

const t = await buildTestApp();
const cluster = await startTestCluster();
const kube = cluster.kube();
const WORKSPACES = 8;

function replica(holder: string): ChildProcess {
  const child = spawn(process.execPath, ['test/controllers/fixtures/replica.ts'], {
    env: { ...process.env, DATABASE_URL: t.dbUrl, KUBE_SERVER: cluster.url, HOLDER: holder, LEASE_TTL_MS: '2000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.on('data', (d) => process.stderr.write(`[${holder}] ${d}`));
  test.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  return child;
}

test('the standby takes over from a leader killed mid-loop, and no action is done twice', async () => {
  const tenant = await t.tenant();
  const token = await t.token('member', tenant.id);
  const base = `/api/v1/tenants/${tenant.id}/workspaces`;
  const ns = `tenant-${tenant.id}`;

  // Bring the workspaces up with an in-process replica, then stop it (releasing the lease).
  const warmup = buildRuntime({ db: t.db, kube: cluster.kube(), holder: 'warmup', leaseTtlMs: 2_000, schedules: { 'workspace-lifecycle': '* * * * * *', 'idle-reaper': '0 0 0 1 1 *', 'quota-enforcer': '0 0 0 1 1 *', 'headroom-autoscaler': '0 0 0 1 1 *', 'spot-converter': '0 0 0 1 1 *', 'cost-guard': '0 0 0 1 1 *', 'region-failover': '0 0 0 1 1 *', 'node-repair': '0 0 0 1 1 *' } });
  await warmup.start();
  const ids: string[] = [];
  try {
    for (let i = 0; i < WORKSPACES; i++) ids.push((await t.app.inject({ method: 'POST', url: base, headers: bearer(token), payload: { name: `fo-${i}`, region: 'eu-west-1' } })).json().id);
    await waitFor('all running', async () => {
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1 AND state = 'running'`, [tenant.id]);
      return rows[0].n === WORKSPACES;
    }, 30_000);
  } finally {
    await warmup.stop();
  }

  const writesBefore = new Map(ids.map((id) => [id, cluster.specWrites('apps/deployments', ns, `ws-${id}`)]));
  // Every deployment write is slowed down so that a loop of scale actions takes seconds.
  cluster.api.server.faults.inject({ match: { method: 'PUT', resource: 'deployments' }, action: { kind: 'delay', ms: 400 }, times: Infinity });
  for (const id of ids) await t.app.inject({ method: 'POST', url: `${base}/${id}/pause`, headers: bearer(token) });

  const a = replica('replica-a');
  await waitFor('replica-a leads', async () => (await readLease(t.db, LEASE_NAME))?.holder === 'replica-a', 20_000);
  const b = replica('replica-b');
  const epochA = (await readLease(t.db, LEASE_NAME))!.epoch;

  // Kill the leader as soon as it has applied its first scale: the rest of its loop is in flight.
  await waitFor('replica-a applied a scale', async () => {
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM controller_actions WHERE holder = 'replica-a' AND decision LIKE 'scale %' AND status = 'applied'`);
    return rows[0].n >= 1;
  });
  a.kill('SIGKILL');
  const killedAt = Date.now();

  const lease = await waitFor('replica-b leads', async () => {
    const l = await readLease(t.db, LEASE_NAME);
    return l?.holder === 'replica-b' ? l : null;
  }, 20_000);
  const takeoverMs = Date.now() - killedAt;
  assert.equal(lease.epoch, epochA + 1, 'the takeover moved the fencing epoch on');

  await waitFor('every deployment scaled to zero', async () => {
    const deployments = await listObjects(kube, 'Deployment', MANAGED_SELECTOR);
    return deployments.filter((d) => d.metadata?.namespace === ns).every((d) => d.spec.replicas === 0);
  }, 30_000);
  cluster.api.server.faults.clear();

  // No duplicates: the API server carried out exactly one write on each deployment, whichever
  // replica sent it (a write in flight when the leader died counts, answered or not).
  for (const id of ids) {
    const writes = cluster.specWrites('apps/deployments', ns, `ws-${id}`) - writesBefore.get(id)!;
    assert.equal(writes, 1, `ws-${id}: ${writes} writes`);
  }
  // The audit log tells the story: A's actions, at most one left interrupted, B's for the rest, each target applied at most once.
  const { rows } = await t.db.query(
    `SELECT target, holder, epoch, status FROM controller_actions WHERE target = ANY($1::text[]) AND decision LIKE 'scale %1→0' ORDER BY id`, [ids],
  );
  const applied = new Map<string, number>();
  for (const r of rows) if (r.status === 'applied') applied.set(r.target, (applied.get(r.target) ?? 0) + 1);
  assert.ok([...applied.values()].every((c) => c === 1));
  assert.ok(rows.some((r) => r.holder === 'replica-a' && r.status === 'applied'));
  assert.ok(rows.some((r) => r.holder === 'replica-b' && r.status === 'applied'), 'the standby finished the loop');
  assert.ok(rows.filter((r) => r.status === 'started').length === 0, 'no action is left open');
  assert.ok(rows.filter((r) => r.status === 'interrupted').every((r) => r.holder === 'replica-a'));
  assert.equal(applied.size + rows.filter((r) => r.status === 'interrupted' && !applied.has(r.target)).length, WORKSPACES, 'every target was acted on');
  console.log(`# takeover after the leader was killed: ${takeoverMs} ms (lease TTL 2000 ms)`);

  b.kill('SIGTERM');
  await new Promise((ok) => b.once('exit', ok));
});
