// Three `pilothouse start` processes on one PostgreSQL, managing one (sandbox) cluster as
// deploy/ runs them: Kubernetes Lease leader election, under deploy/'s RBAC. Driven only
// through their HTTP APIs, round-robin, as a Service spreads requests over the pods.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDb } from '../helper.ts';
import { startPilothouse, type RunningProcess } from '../process.ts';
import { startTestCluster, waitFor } from '../controllers/cluster.ts';
import { createTenant } from '../../tenancy/tenants.ts';
import { createToken } from '../../tenancy/tokens.ts';
import { createBootstrapLink } from '../../server/auth/sessions.ts';
import { LEASE_NAME } from '../../controllers/index.ts';
import { listObjects } from '../../kube/objects.ts';
import { MANAGED_SELECTOR } from '../../controllers/workspaces/manifests.ts';

const JOB_SECONDS = 2;
const db = await createTestDb();
const cluster = await startTestCluster();
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-replicas-'));
const kubeconfig = join(dir, 'kubeconfig');
// What a pod's projected ServiceAccount token gives the client, as a kubeconfig file.
writeFileSync(kubeconfig, JSON.stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
  clusters: [{ name: 'c', cluster: { server: cluster.url, 'insecure-skip-tls-verify': true } }],
  users: [{ name: 'pilothouse', user: { token: cluster.tokens.pilothouse } }],
  contexts: [{ name: 'c', context: { cluster: 'c', user: 'pilothouse' } }],
}));

const env = {
  ...process.env, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'warn', PILOTHOUSE_DEMO: 'off', PILOTHOUSE_SELF_TRACING: 'false',
  KUBECONFIG: kubeconfig, PILOTHOUSE_LEASE: 'kubernetes', PILOTHOUSE_LEASE_NAMESPACE: cluster.namespace, PILOTHOUSE_LEASE_TTL_SECONDS: '3',
  PILOTHOUSE_JOB_INTERVAL_SECONDS: String(JOB_SECONDS),
};
delete (env as NodeJS.ProcessEnv).OTEL_EXPORTER_OTLP_ENDPOINT;
const replicas: RunningProcess[] = await Promise.all([0, 1, 2].map(() => startPilothouse(env, 60_000)));
after(() => Promise.all(replicas.map((r) => r.stop('SIGKILL'))));
const live = () => replicas.filter((r) => !r.exited());

const tenant = await createTenant(db.pool, { name: 'replicated' });
const ingest = (await createToken(db.pool, { name: 'gateway', tenantId: null, role: 'collector' })).secret;
const member = (await createToken(db.pool, { name: 'dev', tenantId: tenant.id, role: 'member' })).secret;
const admin = (await createToken(db.pool, { name: 'admin', tenantId: null, role: 'admin' })).secret;

async function call(r: RunningProcess, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(r.base + path, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: () => JSON.parse(text), text };
}

const leaseHolder = async () => (await cluster.admin().coordination.readNamespacedLease({ namespace: cluster.namespace, name: LEASE_NAME }).catch(() => undefined))?.spec?.holderIdentity;
const pidOf = (holder: string | undefined) => Number(holder?.split(':')[1]);

test('usage batches spread over three replicas, with duplicates and retries, sum exactly', async () => {
  const BATCHES = 30;
  const batches = Array.from({ length: BATCHES }, (_, b) => Array.from({ length: 20 }, (_, i) => ({
    specversion: '1.0', id: `b${b}-e${i}`, source: '/gateway/test', type: 'api.calls',
    time: new Date(Date.now() - 60_000).toISOString(), data: { quantity: b + 1 },
  })));
  // A client resends every third batch to another replica (a retry after a lost answer) and
  // every batch carries two events of the batch before it (an at-least-once producer).
  const sends = batches.flatMap((events, b) => {
    const withDupes = b > 0 ? [...events, ...batches[b - 1]!.slice(0, 2)] : events;
    const first = { replica: b % 3, events: withDupes };
    return b % 3 === 0 ? [first, { replica: (b + 1) % 3, events: withDupes }] : [first];
  });
  // A careful client: after a 429 it waits Retry-After (shortened here) and sends the same
  // batch again, which the Service may route to another replica.
  const send = async (replica: number, events: unknown[]) => {
    for (let attempt = 0; ; attempt++) {
      const r = await call(replicas[(replica + attempt) % 3]!, 'POST', `/api/v1/tenants/${tenant.id}/events`, {
        token: ingest, body: events, headers: { 'content-type': 'application/cloudevents-batch+json' },
      });
      if (r.status !== 429 || attempt > 50) return r;
      await new Promise((ok) => setTimeout(ok, 50 + Math.random() * 100));
    }
  };
  const results = await Promise.all(sends.map((s) => send(s.replica, s.events)));
  for (const r of results) assert.ok(r.status === 200 || r.status === 207, `${r.status} ${r.text}`);
  const accepted = results.reduce((n, r) => n + r.json().accepted, 0);
  assert.equal(accepted, BATCHES * 20, 'each event accepted exactly once, whichever replica took it');
  const expected = batches.reduce((sum, events, b) => sum + events.length * (b + 1), 0);
  // Every replica answers the same total once the (once-per-period) rollup has run.
  const from = new Date(Date.now() - 3_600_000).toISOString();
  for (const r of replicas) {
    await waitFor(`replica ${r.base} reports ${expected} api calls`, async () => {
      const res = await call(r, 'GET', `/api/v1/tenants/${tenant.id}/usage?from=${encodeURIComponent(from)}&meter=api.calls`, { token: member });
      const total = res.json().series?.reduce((n: number, s: { total: number }) => n + s.total, 0);
      assert.ok(total === undefined || total <= expected, `never more than sent: ${total}`);
      return total === expected;
    }, 20_000);
  }
});

test('a console session and an API token work on every replica; revoking on one revokes on all', async () => {
  const link = await createBootstrapLink(db.pool);
  const signIn = await call(replicas[0]!, 'GET', `/auth/bootstrap?token=${link}`);
  assert.equal(signIn.status, 303);
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  for (const r of replicas) assert.equal((await call(r, 'GET', '/api/v1/me', { headers: { cookie } })).status, 200, r.base);

  const created = await call(replicas[1]!, 'POST', `/api/v1/tenants/${tenant.id}/tokens`, { token: admin, body: { name: 'ci', role: 'member' } });
  assert.equal(created.status, 201, created.text);
  const { token, info } = created.json();
  for (const r of replicas) assert.equal((await call(r, 'GET', '/api/v1/me', { token })).status, 200, r.base);
  assert.equal((await call(replicas[2]!, 'DELETE', `/api/v1/tenants/${tenant.id}/tokens/${info.id}`, { token: admin })).status, 200);
  for (const r of replicas) assert.equal((await call(r, 'GET', '/api/v1/me', { token })).status, 401, r.base);
});

test('the SLO evaluation runs once per period, not once per replica', async () => {
  await waitFor('three SLO periods', async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM scheduled_runs WHERE job = 'slo-evaluation' AND finished_at IS NOT NULL`);
    return rows[0].n >= 3;
  }, 30_000);
  // Each run stamps its evaluations with its own time: one distinct time per SLO and period.
  const { rows } = await db.pool.query(`
    SELECT slo_name, floor(extract(epoch FROM evaluated_at) / $1) AS period, count(DISTINCT evaluated_at)::int AS runs
    FROM slo_evaluations GROUP BY 1, 2`, [JOB_SECONDS]);
  assert.ok(rows.length >= 3, `${rows.length} (slo, period) pairs`);
  assert.deepEqual(rows.filter((r) => r.runs !== 1), []);
  const { rows: cost } = await db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT holder)::int AS holders FROM scheduled_runs WHERE job = 'fleet-cost'`);
  assert.ok(cost[0].n >= 2, 'the fleet cost job ran in several periods');
  assert.ok(cost[0].holders >= 1);
});

test('exactly one replica holds the controller lease; killing it hands over without an action done twice', async (t) => {
  const pids = replicas.map((r) => r.pid);
  const first = await waitFor('a lease holder', leaseHolder, 20_000);
  assert.ok(pids.includes(pidOf(first)), `the holder ${first} is one of the replicas ${pids}`);
  await waitFor('a reconcile pass', async () => (await db.pool.query(`SELECT 1 FROM controller_runs`)).rowCount! > 0);

  // Workspaces come up, then are all paused while every Deployment write is slowed down,
  // so the leader dies with scale actions still to do.
  const ns = `tenant-${tenant.id}`;
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await call(replicas[i % 3]!, 'POST', `/api/v1/tenants/${tenant.id}/workspaces`, { token: member, body: { name: `rep-${i}`, region: 'eu-west-1' } });
    assert.equal(res.status, 201, res.text);
    ids.push(res.json().id);
  }
  await waitFor('all running', async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1 AND state = 'running'`, [tenant.id]);
    return rows[0].n === ids.length;
  }, 60_000);
  const writesBefore = new Map(ids.map((id) => [id, cluster.specWrites('apps/deployments', ns, `ws-${id}`)]));
  cluster.api.server.faults.inject({ match: { method: 'PUT', resource: 'deployments' }, action: { kind: 'delay', ms: 400 }, times: Infinity });
  for (const [i, id] of ids.entries()) assert.equal((await call(replicas[i % 3]!, 'POST', `/api/v1/tenants/${tenant.id}/workspaces/${id}/pause`, { token: member })).status, 200);
  await waitFor('the leader applied a scale', async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM controller_actions WHERE decision LIKE 'scale %' AND status = 'applied'`);
    return rows[0].n >= 1;
  });
  const holder = (await leaseHolder())!;
  const leader = replicas.find((r) => r.pid === pidOf(holder))!;
  const killedAt = Date.now();
  await leader.stop('SIGKILL');

  const next = await waitFor('another replica leads', async () => {
    const h = await leaseHolder();
    return h && h !== holder ? h : null;
  }, 30_000);
  const takeoverMs = Date.now() - killedAt;
  assert.ok(live().some((r) => r.pid === pidOf(next)), 'the new holder is a live replica');
  await waitFor('every workspace Deployment scaled to zero', async () => {
    const deployments = (await listObjects(cluster.admin(), 'Deployment', MANAGED_SELECTOR)).filter((d) => d.metadata?.namespace === ns);
    return deployments.length === ids.length && deployments.every((d) => d.spec.replicas === 0);
  }, 30_000);
  cluster.api.server.faults.clear();
  for (const id of ids) assert.equal(cluster.specWrites('apps/deployments', ns, `ws-${id}`) - writesBefore.get(id)!, 1, `ws-${id} written once`);
  // One holder per fencing epoch: whoever acted, acted alone.
  const { rows: epochs } = await db.pool.query(`SELECT epoch, count(DISTINCT holder)::int AS holders FROM controller_actions WHERE controller <> 'person' GROUP BY epoch`);
  assert.ok(epochs.length >= 2, 'actions under the first leader and its successor');
  assert.deepEqual(epochs.filter((e) => e.holders !== 1), []);
  const { rows: dupes } = await db.pool.query(`
    SELECT target, decision, count(*)::int AS n FROM controller_actions
    WHERE decision LIKE 'scale %' AND status = 'applied' GROUP BY 1, 2 HAVING count(*) > 1`);
  assert.deepEqual(dupes, [], 'no scale applied twice');
  // The API stays up on the survivors throughout.
  for (const r of live()) assert.equal((await call(r, 'GET', '/readyz')).status, 200);
  t.diagnostic(`lease handover after SIGKILL: ${takeoverMs} ms (lease TTL 3 s)`);
});
