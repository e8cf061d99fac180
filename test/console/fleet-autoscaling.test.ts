// The Fleet page's autoscaling sections in real Chromium: the warm pool's forecast beside
// the actual starts, and rightsizing with the fleet's utilisation bands and the workloads'
// recommendations (and the CSV export link).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { bearer, buildTestApp } from '../helper.ts';
import { startTestCluster, waitFor } from '../controllers/cluster.ts';
import { resourceByKey } from '../../sandbox/k8s/index.ts';
import { loadCatalogFile } from '../../collectors/cost/catalog-store.ts';
import { collectFleetCost } from '../../collectors/cost/fleet-collector.ts';

const skip = skipWithout('chromium');

test('the Fleet page shows the warm pool forecast against starts, and rightsizing with its inputs', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const cluster = await startTestCluster({ pools: [{ name: 'eu-west-1-on-demand', region: 'eu-west-1', zones: ['eu-west-1a'], capacityType: 'on-demand', instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 }] });
  const t = await buildTestApp({ console: true, cluster: { mode: 'simulated', server: cluster.url } });
  await loadCatalogFile(t.db, 'collectors/cost/default-catalog.yaml');
  const acme = await t.tenant('Acme Robotics');
  const token = await t.token('member', acme.id);
  for (const name of ['a', 'b', 'c']) {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${acme.id}/workspaces`, headers: bearer(token), payload: { name, region: 'eu-west-1' } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const store = cluster.api.server.store;
  const ns = `tenant-${acme.id}`;
  store.create(resourceByKey('namespaces'), undefined, { metadata: { name: ns } });
  store.create(resourceByKey('pods'), ns, {
    metadata: { name: 'ws-1', labels: { 'pilothouse.io/workspace': 'ws-1' } },
    spec: { containers: [{ name: 'sandbox', image: 'openhands', resources: { requests: { cpu: '2', memory: '4Gi' } } }] },
  });
  const kube = cluster.admin();
  await waitFor('the workspace pod with metrics', async () => {
    const m = await kube.custom.listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace: ns, plural: 'pods' }) as { items: unknown[] };
    return m.items.length === 1;
  });
  await collectFleetCost(t.db, kube);

  const { page, errors } = await signedInAdmin(t);
  await navigate(page, 'Fleet');
  const warm = page.getByTestId('warm-pool');
  await warm.getByRole('heading', { name: 'eu-west-1 · on-demand' }).waitFor();
  await page.locator('[data-testid="warm-pool-eu-west-1/on-demand"] canvas').waitFor();
  const legend = await page.locator('[data-testid="warm-pool-eu-west-1/on-demand"] .u-legend').textContent();
  for (const line of ['forecast starts/h', 'actual starts/h', 'warm pool (placeholders)']) assert.ok(legend?.includes(line), `legend shows ${line}: ${legend}`);

  const rs = page.getByTestId('rightsizing');
  const row = rs.getByRole('row').filter({ hasText: `${ns}/ws-1` });
  await row.waitFor();
  assert.match(await row.textContent() ?? '', /workspace\s*1 \(0\.0 d\)\s*2\.00 → /);
  assert.match(await rs.textContent() ?? '', /CPU used \d+% of requests \((below|within|above)\s*the 70–80 % band\)/);
  assert.equal(await rs.getByRole('link', { name: 'export CSV' }).getAttribute('href'), '/api/v1/fleet/rightsizing?format=csv');
  assert.deepEqual(errors, []);
});
