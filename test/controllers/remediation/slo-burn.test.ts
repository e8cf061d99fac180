// Keptn's loop on Pilothouse's own SLOs: an SLO burning past its page threshold fires its
// alert, a policy scales the Deployment through the client, and after the delay the SLO is
// evaluated again: the page alert is resolved, so the remediation is recorded as verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer } from '../../helper.ts';
import { remediationWorld } from './fixtures.ts';
import { requestErrorsSpec } from '../../slo/fixtures.ts';
import { evaluateAll } from '../../../slo/evaluate/job.ts';
import { SloRegistry } from '../../../slo/registry.ts';

const MINUTE = 60_000;
let registry: SloRegistry;
const opts = { runbookBaseUrl: 'http://pilothouse.test/api/v1' };
const w = await remediationWorld({ recheckSlo: async (slo, now) => { await evaluateAll(w.t.db, registry, opts, now, [slo]); } });
registry = new SloRegistry(w.t.db);

async function rollups(service: string, from: number, minutes: number, requests: number, errors: number) {
  for (let i = 0; i < minutes; i++) {
    const buckets = new Array(20).fill(0);
    buckets[5] = requests;
    await w.t.db.query(
      `INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, $1, 'GET /x', $2, $3, $4, 0, $5)`,
      [service, new Date(from + i * MINUTE), requests, errors, buckets]);
  }
}

test('a burning SLO pages, the policy scales the Deployment up, and the re-evaluated SLO verifies it', async () => {
  const res = await w.t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(w.sre), payload: { spec: requestErrorsSpec('checkout-errors', 'checkout', { target: 0.999 }) } });
  assert.equal(res.statusCode, 201, res.body);
  await w.deployment('tenant-slo', 'checkout', 1);
  await w.policy({
    name: 'scale-checkout', match: ['slo="checkout-errors"', 'severity="page"'], action: 'scale-deployment',
    params: { namespace: 'tenant-slo', name: 'checkout', step: 1, max: 4 }, verifyAfterSeconds: 300,
  });
  const base = Math.floor(w.now().getTime() / MINUTE) * MINUTE;
  w.advance(base - w.now().getTime());
  await rollups('checkout', base - 70 * MINUTE, 70, 1000, 20); // 2 % errors: burn rate 20 against 0.1 %
  const [outcome] = await evaluateAll(w.t.db, registry, opts, new Date(base), ['checkout-errors']);
  assert.equal(outcome!.evaluation?.alert, 'page');

  const firing = (await w.t.app.inject({ url: '/api/v1/alerts?state=firing&filter=slo%3D%22checkout-errors%22', headers: bearer(w.sre) })).json().items;
  assert.equal(firing.length, 1);
  assert.equal(firing[0].alertname, 'CheckoutErrorsPageBurnRate', 'named as the generated Prometheus rule');
  assert.equal(firing[0].source, 'slo');

  assert.equal((await w.run()).applied, 1);
  assert.equal((await w.kube.apps.readNamespacedDeployment({ namespace: 'tenant-slo', name: 'checkout' })).spec?.replicas, 2);

  // The errors stop; 31 minutes later the short page windows are clean.
  await rollups('checkout', base, 31, 1000, 0);
  w.advance(31 * MINUTE);
  await w.run();
  const after = (await w.t.app.inject({ url: `/api/v1/alerts/${firing[0].id}`, headers: bearer(w.sre) })).json();
  assert.equal(after.status, 'resolved');
  assert.equal(after.remediations[0].status, 'succeeded');
  assert.ok(after.remediations[0].verifiedAt);
});

test('when the SLO still burns after the delay the remediation is recorded as failed and someone is told', async () => {
  await w.t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(w.sre), payload: { spec: requestErrorsSpec('search-errors', 'search', { target: 0.999 }) } });
  await w.deployment('tenant-slo2', 'search', 1);
  await w.policy({ name: 'scale-search', match: ['slo="search-errors"', 'severity="page"'], action: 'scale-deployment', params: { namespace: 'tenant-slo2', name: 'search', max: 4 }, verifyAfterSeconds: 300 });
  const base = Math.floor(w.now().getTime() / MINUTE) * MINUTE;
  await rollups('search', base - 70 * MINUTE, 80, 1000, 20);
  await evaluateAll(w.t.db, registry, opts, new Date(base), ['search-errors']);
  await w.run();
  w.advance(5 * MINUTE + 1000);
  await w.run();
  const rs = (await w.t.app.inject({ url: '/api/v1/remediations?policy=scale-search', headers: bearer(w.sre) })).json().items;
  assert.equal(rs[0].status, 'failed');
  assert.match(rs[0].error, /still fires/);
  assert.ok(w.notes.some((n) => n.subject.startsWith('[remediation did not work] scale-deployment Deployment tenant-slo2/search')));
});
