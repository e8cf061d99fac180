// The SLO pages in real Chromium: the list sorted by budget left with the low-traffic
// warning, and an SLO page leading with its three numbers, then charts, tiers, compliance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { bearer, buildTestApp } from '../helper.ts';
import { requestErrorsSpec } from '../slo/fixtures.ts';

const skip = skipWithout('chromium');
const MINUTE = 60_000;

const spec = (name: string, service: string, display: string) => requestErrorsSpec(name, service, { displayName: display });

test('the SLO list leads with the burning SLO and warns of low traffic; its page shows objective, SLI, budget, charts, tiers and monthly compliance', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const sre = await t.token('sre');
  for (const [name, service, display] of [['checkout-errors', 'checkout', 'Checkout errors'], ['quiet-errors', 'quiet', 'Quiet errors']]) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/slos', headers: bearer(sre), payload: { spec: spec(name!, service!, display!) } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  for (let i = 1; i <= 70; i++) {
    await t.db.query(`INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, 'checkout', 'POST /pay', $1, 1000, 20, 0, $2)`,
      [new Date(end - i * MINUTE), new Array(20).fill(0).map((_, k) => (k === 5 ? 1000 : 0))]);
  }
  await t.db.query(`INSERT INTO request_rollups (tenant_id, service, route, minute, requests, errors, duration_sum_ns, buckets) VALUES (NULL, 'quiet', 'GET /', $1, 5, 0, 0, $2)`,
    [new Date(end - MINUTE), new Array(20).fill(0).map((_, k) => (k === 5 ? 5 : 0))]);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/slos/evaluate', headers: bearer(sre), payload: { slos: ['checkout-errors', 'quiet-errors'] } })).statusCode, 200);

  const { base, page, errors } = await signedInAdmin(t);
  await navigate(page, 'SLOs');
  await page.getByRole('heading', { name: 'SLOs' }).waitFor();

  const rows = page.locator('table[aria-label=SLOs] tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.first().getAttribute('data-slo'), 'checkout-errors', 'the most overspent budget comes first');
  const quiet = page.locator('tr[data-slo=quiet-errors]');
  assert.match(await quiet.textContent() ?? '', /low traffic: 5 of 1,000 events needed/);
  assert.match(await page.locator('tr[data-slo=checkout-errors]').textContent() ?? '', /page/);

  await page.getByRole('link', { name: 'Checkout errors' }).click();
  await page.getByRole('heading', { name: 'Checkout errors' }).waitFor();
  assert.equal(await page.getByTestId('objective').textContent(), '99.9%');
  assert.equal(await page.getByTestId('sli').textContent(), '98.00%');
  assert.equal(await page.getByTestId('budget').textContent(), '-1900.0%');
  await page.locator('[data-testid=burndown-chart] canvas').waitFor();
  await page.locator('[data-testid=sli-chart] canvas').waitFor();

  const page1h = page.locator('tr[data-tier="page-1h"]');
  assert.match(await page1h.textContent() ?? '', /14\.4×.*20\.0×.*20\.0×.*firing/);
  assert.match(await page.locator('tr[data-tier="ticket-3d"]').textContent() ?? '', /firing/);
  assert.match(await page1h.getByRole('link', { name: 'runbook' }).getAttribute('href') ?? '', /runbooks\/platform-error-rate\.md#page$/);

  const thisMonth = new Date().toISOString().slice(0, 7);
  const month = page.locator(`tr[data-month="${thisMonth}"]`);
  assert.match(await month.textContent() ?? '', /70,000\s*1,400\s*98\.00%.*no/);
  const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  const csv = await page.request.get(`${base}${csvHref}`);
  assert.equal(csv.status(), 200);
  assert.match(await csv.text(), new RegExp(`${thisMonth},70000,1400,0\\.98`));
  assert.deepEqual(errors, []);
});
