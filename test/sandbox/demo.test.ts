// `npm start` without a cluster: the simulated fleet, said plainly; with KUBECONFIG, none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { bearer, buildTestApp, createTestDb, testConfig } from '../helper.ts';
import { startServer } from '../../server/main.ts';
import { createToken } from '../../tenancy/tokens.ts';
import { sandboxKubeConfig } from '../../sandbox/index.ts';
import { demoWanted } from '../../server/demo.ts';
import { eventually } from '../eventually.ts';


test('without KUBECONFIG, start runs the sandbox API server, says the fleet is simulated, and synthetic tenants open workspaces', async () => {
  const { url, pool } = await createTestDb();
  const lines: string[] = [];
  const running = await startServer(testConfig({ DATABASE_URL: url, PORT: '0', PILOTHOUSE_DEMO: 'auto' }), (l) => lines.push(l));
  try {
    assert.equal(running.cluster.mode, 'simulated');
    assert.match(lines.join('\n'), /fleet: SIMULATED demo fleet/);
    // The controllers' way in: a plain server URL for the real client.
    const core = sandboxKubeConfig(running.cluster.server!).makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode({ labelSelector: 'pilothouse.io/node-pool=spot' });
    assert.ok(nodes.items.length > 0, 'the demo fleet has spot nodes');

    const admin = (await createToken(pool, { name: 'test', tenantId: null, role: 'admin' })).secret;
    const mode = await (await fetch(`${running.localUrl}/api/v1/fleet/mode`, { headers: bearer(admin) })).json();
    assert.equal(mode.simulated, true);
    assert.match(mode.message, /^Simulated fleet/);
    assert.ok(mode.fleet.nodes > 0);
    assert.deepEqual(mode.fleet.regions, ['eu-west-1', 'us-east-1']);

    const { rows: tenants } = await pool.query(`SELECT id FROM tenants WHERE config->>'demo' = 'true'`);
    assert.equal(tenants.length, 4, 'the demo tenants were created');
    await eventually('a synthetic workspace', async () => (await pool.query('SELECT count(*)::int AS n FROM workspaces')).rows[0].n > 0, 20_000, 200);
    // Two regions, health-checked at their sandbox front doors; the first by priority is routed to.
    const { rows: regions } = await pool.query(`SELECT name, priority, probe_url FROM regions ORDER BY priority`);
    assert.deepEqual(regions.map((r) => r.name), ['eu-west-1', 'us-east-1']);
    assert.equal(await (await fetch(regions[0].probe_url)).text(), 'ok');
    await eventually('routing to eu-west-1', async () => {
      const cm = await core.readNamespacedConfigMap({ namespace: 'pilothouse-system', name: 'pilothouse-routing' }).catch(() => null);
      return cm?.data?.activeRegion === 'eu-west-1';
    }, 20_000, 200);
  } finally {
    await running.stop();
  }
});

test('a second start reuses the demo tenants and revokes the previous run\'s traffic tokens', async () => {
  const { url, pool } = await createTestDb();
  for (let i = 0; i < 2; i++) {
    const running = await startServer(testConfig({ DATABASE_URL: url, PORT: '0', PILOTHOUSE_DEMO: 'on' }), () => {});
    await running.stop();
  }
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM tenants WHERE config->>'demo' = 'true'`);
  assert.equal(rows[0].n, 4);
  const live = await pool.query(`SELECT count(*)::int AS n FROM api_tokens WHERE name LIKE 'demo traffic%' AND revoked_at IS NULL`);
  assert.equal(live.rows[0].n, 8, 'two live tokens per demo tenant');
});

test('with KUBECONFIG no simulation runs, and PILOTHOUSE_DEMO=on beside it is refused', () => {
  assert.equal(demoWanted({ PILOTHOUSE_DEMO: 'auto', KUBECONFIG: '/etc/kube/config' }), false);
  assert.equal(demoWanted({ PILOTHOUSE_DEMO: 'auto', KUBECONFIG: undefined }), true);
  assert.equal(demoWanted({ PILOTHOUSE_DEMO: 'off', KUBECONFIG: undefined }), false);
  assert.throws(() => demoWanted({ PILOTHOUSE_DEMO: 'on', KUBECONFIG: '/etc/kube/config' }), /both set/);
});

test('the fleet mode API names a configured kubeconfig as a real cluster, and no cluster as none', async () => {
  const real = await buildTestApp({ env: { KUBECONFIG: '/etc/kube/config' } });
  const token = await real.token('viewer');
  const a = (await real.app.inject({ url: '/api/v1/fleet/mode', headers: bearer(token) })).json();
  assert.deepEqual([a.mode, a.simulated], ['kubeconfig', false]);
  const none = await buildTestApp();
  const b = (await none.app.inject({ url: '/api/v1/fleet/mode', headers: bearer(await none.token('viewer')) })).json();
  assert.deepEqual([b.mode, b.simulated], ['none', false]);
  assert.equal((await none.app.inject({ url: '/api/v1/fleet/mode' })).statusCode, 401);
});

test('inside a pod (KUBERNETES_SERVICE_HOST set) the real cluster is managed in-cluster and auto runs no simulation', async () => {
  assert.equal(demoWanted({ PILOTHOUSE_DEMO: 'auto', KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: '10.0.0.1' }), false);
  const { clusterFromConfig, kubeOptionsOf } = await import('../../server/cluster.ts');
  const access = clusterFromConfig({ KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: '10.0.0.1' });
  assert.equal(access.mode, 'in-cluster');
  assert.deepEqual(kubeOptionsOf(access), { inCluster: true });
  assert.equal(clusterFromConfig({ KUBECONFIG: '/k', KUBERNETES_SERVICE_HOST: '10.0.0.1' }).mode, 'kubeconfig', 'KUBECONFIG wins');
  const pod = await buildTestApp({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } });
  const mode = (await pod.app.inject({ url: '/api/v1/fleet/mode', headers: bearer(await pod.token('viewer')) })).json();
  assert.equal(mode.mode, 'in-cluster');
  assert.equal(mode.simulated, false);
});
