// The usage page in real Chromium: chart and report of one tenant, and the tenant comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { bearer, buildTestApp } from '../helper.ts';
import { postBatch, usageEvent, collector } from '../collectors/usage/fixtures.ts';

const skip = skipWithout('chromium');

test('a platform admin sees a tenant\'s usage chart and priced report, and compares tenants', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const admin = await t.token('admin');
  await t.app.inject({
    method: 'POST', url: '/api/v1/price-catalogs', headers: bearer(admin),
    payload: { version: 'ui', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', prices: [{ meter: 'llm.tokens', per: 1000000, unitPrice: '2' }] },
  });
  const acme = await t.tenant('Acme');
  const globex = await t.tenant('Globex');
  const time = new Date(Math.max(Date.now() - 3600_000, Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1))).toISOString();
  await postBatch(t.app, await collector(t, acme.id), [usageEvent({ time }, { quantity: 1_500_000, model: 'big' })]);
  await postBatch(t.app, await collector(t, globex.id), [usageEvent({ time }, { quantity: 500_000, model: 'big' })]);

  const { page, errors } = await signedInAdmin(t);
  await navigate(page, 'Usage');
  await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor();

  // No tenant chosen: one line per tenant, named.
  await page.locator('[data-testid=usage-chart] canvas').waitFor();
  const legend = await page.locator('[data-testid=usage-chart] .u-legend').textContent();
  assert.match(legend ?? '', /Acme/);
  assert.match(legend ?? '', /Globex/);
  // And a table: largest first, with each tenant's share of the window's total.
  const compared = page.getByRole('table', { name: 'Tenants compared' });
  await compared.getByRole('link', { name: 'Acme' }).waitFor();
  const rows = await Promise.all((await compared.locator('tbody tr').all()).map((r) => r.locator('td').allTextContents()));
  assert.deepEqual(rows, [['Acme', '1,500,000', '75.0%'], ['Globex', '500,000', '25.0%']]);

  await page.getByRole('combobox', { name: /^Tenant/ }).selectOption({ label: 'Acme' });
  await page.getByTestId('report-total').waitFor();
  assert.equal(await page.getByTestId('report-total').textContent(), '$3.00');
  assert.match(await page.getByTestId('report-meters').textContent() ?? '', /llm\.tokens\s*1,500,000 tokens\s*\$3\.00/);
  assert.deepEqual(errors, []);
});
