// The fleet page in real Chromium against a sandbox fleet: regions with their node pools,
// the simulated-fleet notice, and the cost chart and table with idle as its own line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { buildTestApp } from '../helper.ts';
import { startTestCluster, waitFor } from '../controllers/cluster.ts';
import { resourceByKey } from '../../sandbox/k8s/index.ts';
import type { NodePoolSpec } from '../../sandbox/index.ts';
import { loadCatalogFile } from '../../collectors/cost/catalog-store.ts';
import { collectFleetCost } from '../../collectors/cost/fleet-collector.ts';

const skip = skipWithout('chromium');
const POOLS: NodePoolSpec[] = ['eu-west-1', 'us-east-1'].flatMap((region) => [
  { name: `${region}-on-demand`, region, zones: [`${region}a`], capacityType: 'on-demand' as const, instanceType: 'm6i.4xlarge', min: 1, max: 1, initial: 1 },
  { name: `${region}-spot`, region, zones: [`${region}b`], capacityType: 'spot' as const, instanceType: 'm6i.2xlarge', min: 1, max: 1, initial: 1 },
]);

test('a platform admin sees each region\'s node pools and the fleet cost with its idle line', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const cluster = await startTestCluster({ pools: POOLS });
  const t = await buildTestApp({ console: true, cluster: { mode: 'simulated', server: cluster.url } });
  await loadCatalogFile(t.db, 'collectors/cost/default-catalog.yaml');
  const acme = await t.tenant('Acme Robotics');
  const store = cluster.api.server.store;
  const ns = `tenant-${acme.id}`;
  store.create(resourceByKey('namespaces'), undefined, { metadata: { name: ns } });
  store.create(resourceByKey('pods'), ns, {
    metadata: { name: 'ws-1', labels: { 'pilothouse.io/workspace': 'ws-1' } },
    spec: { containers: [{ name: 'sandbox', image: 'openhands', resources: { requests: { cpu: '2', memory: '4Gi' } } }] },
  });
  // A second one on spot capacity: 2 cores × (0.040 − 0.012) + 4 GiB × (0.0050 − 0.0015) = 0.0700 USD/h saved.
  store.create(resourceByKey('pods'), ns, {
    metadata: { name: 'ws-2', labels: { 'pilothouse.io/workspace': 'ws-2' } },
    spec: {
      nodeSelector: { 'pilothouse.io/node-pool': 'spot', 'topology.kubernetes.io/region': 'eu-west-1' },
      tolerations: [{ key: 'pilothouse.io/spot', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'sandbox', image: 'openhands', resources: { requests: { cpu: '2', memory: '4Gi' } } }],
    },
  });
  await waitFor('the workspace pods running', async () => ['ws-1', 'ws-2'].every((n) => store.get(resourceByKey('pods'), ns, n).status?.phase === 'Running'));
  // One collected minute, as the per-minute job would store it.
  await collectFleetCost(t.db, cluster.kube());

  const { page, errors } = await signedInAdmin(t);
  await navigate(page, 'Fleet');
  await page.getByRole('heading', { name: 'Fleet', exact: true }).waitFor();

  await page.getByRole('note').filter({ hasText: /Simulated fleet/ }).waitFor();
  for (const region of ['eu-west-1', 'us-east-1']) await page.getByRole('heading', { name: `Region ${region}` }).waitFor();
  const pools = page.getByRole('table', { name: 'Node pools in eu-west-1' });
  const spot = pools.getByRole('row').filter({ hasText: 'eu-west-1-spot' }).first();
  assert.match(await spot.textContent() ?? '', /spot\s*m6i\.2xlarge/);

  await page.locator('[data-testid=fleet-cost-chart] canvas').waitFor();
  const legend = await page.locator('[data-testid=fleet-cost-chart] .u-legend').textContent();
  for (const line of ['tenants (sum)', 'system', 'idle (unallocated)', 'over-commit']) assert.ok(legend?.includes(line), `legend shows ${line}: ${legend}`);
  const totals = page.getByTestId('fleet-cost-totals');
  assert.match(await totals.getByRole('row').filter({ hasText: 'Acme Robotics' }).textContent() ?? '', /Acme Robotics\s*\$0\.\d{4}/);
  assert.match(await totals.getByRole('row').filter({ hasText: 'idle (unallocated)' }).textContent() ?? '', /idle \(unallocated\)\s*\$0\.\d{4}\s*\d+%/);
  assert.match(await page.getByTestId('idle-share').textContent() ?? '', /Idle \(unallocated\): \$0\.\d{4}, \d+% of the fleet's cost/);
  // Spot savings against all on-demand, from the catalogue's rates.
  assert.match(await page.getByTestId('spot-saving').textContent() ?? '', /\$0\.0700\/h/);
  assert.deepEqual(errors, []);
});
