// The regions page in real Chromium: regions with their health, the failover history with
// the measured RTO, and a manual failover that asks for a reason and a confirmation, then
// shows the switch once the controller has made it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { buildTestApp } from '../helper.ts';
import { PRIMARY, STANDBY, startDrill } from '../controllers/region-failover/harness.ts';

const skip = skipWithout('chromium');

test('an admin sees regions, health and the failover RTO, and fails back by hand with a confirmation', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const d = await startDrill(t.db, { lease: 'console-drill' });
  await d.step();
  d.down(PRIMARY, 'refuse');
  assert.ok(await d.runUntil(async () => (await d.routed()) === STANDBY, 120_000));
  d.up(PRIMARY);
  await d.runUntil(async () => false, 31_000);

  const { page, errors } = await signedInAdmin(t);
  await navigate(page, 'Regions');
  await page.getByRole('heading', { name: 'Regions', exact: true }).waitFor();
  const regions = page.getByRole('table', { name: 'Regions' });
  const primary = regions.getByTestId(`region-${PRIMARY}`);
  const standby = regions.getByTestId(`region-${STANDBY}`);
  await primary.waitFor();
  assert.match(await standby.textContent() ?? '', /active\s*healthy/);
  assert.match(await primary.textContent() ?? '', /standby\s*healthy/);
  assert.match(await primary.getByRole('img').getAttribute('aria-label') ?? '', /^3 of the last \d+ checks failed$/);

  const history = page.getByRole('table', { name: 'Failover history' });
  const row = history.getByRole('row').filter({ hasText: `${PRIMARY} → ${STANDBY}` });
  assert.match(await row.textContent() ?? '', /automatic\s*2\d\.\d s/, 'RTO: three failures 10 s apart');

  await primary.getByRole('button', { name: `Fail over to ${PRIMARY}…` }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm failover' });
  const confirm = dialog.getByRole('button', { name: `Confirm failover to ${PRIMARY}` });
  assert.equal(await confirm.isDisabled(), true, 'no failover without a reason');
  await dialog.getByLabel(/Reason/).fill('eu-west-1 recovered; back to the primary');
  await confirm.click();
  await page.getByRole('status').filter({ hasText: `Failover to ${PRIMARY} requested` }).waitFor();
  assert.ok(await d.runUntil(async () => (await d.routed()) === PRIMARY, 10_000), 'the controller carried the request out');
  await history.getByRole('row').filter({ hasText: `${STANDBY} → ${PRIMARY}` }).filter({ hasText: 'manual' }).filter({ hasText: 'back to the primary' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, []);
  await d.runtime.stop();
});
