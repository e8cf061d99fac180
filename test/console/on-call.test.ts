// The on-call's Overview in real Chromium: the firing alert with its runbook, and a risky
// remediation waiting for approval that an admin approves from the home page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { bearer, buildTestApp } from '../helper.ts';
import { alertmanagerPayload } from '../controllers/remediation/fixtures.ts';
import { requestRemediation } from '../../controllers/remediation/store.ts';
import { REQUESTER } from '../../controllers/remediation/controller.ts';

const skip = skipWithout('chromium');
const t = await buildTestApp({ console: true });
const alerts = await t.token('alerts' as never);
await t.app.inject({
  method: 'POST', url: '/api/v1/alerts/alertmanager', headers: bearer(alerts),
  payload: alertmanagerPayload([{ labels: { alertname: 'KubeNodeNotReady', node: 'node-7', severity: 'page' }, annotations: { summary: 'node-7 is NotReady', runbook_url: 'https://runbooks.example/node-not-ready' }, startsAt: new Date(Date.now() - 120_000).toISOString(), fingerprint: 'abc123' }]),
});
const alertId = (await t.db.query(`SELECT id::int FROM alert_instances WHERE fingerprint = 'abc123'`)).rows[0].id;
const pending = await requestRemediation(t.db, {
  alertId, policy: 'drain-not-ready-node', action: 'cordon-drain-node', target: 'Node/node-7', kind: 'node', params: { node: 'node-7' },
  runbookUrl: 'https://runbooks.example/node-not-ready', requestedBy: REQUESTER, expiresAt: new Date(Date.now() + 3_600_000),
});

test('an admin approves a pending drain from the home page, next to the firing alert and its runbook', { skip }, async () => {
  const { signedInAdmin } = await import('../browser.ts');
  const { page, errors } = await signedInAdmin(t);
  const firing = page.getByRole('table', { name: 'Firing alerts' });
  await firing.getByText('KubeNodeNotReady').waitFor();
  assert.equal(await firing.getByRole('link', { name: 'runbook' }).getAttribute('href'), 'https://runbooks.example/node-not-ready');
  await page.getByRole('table', { name: 'SLOs burning fastest' }).waitFor();
  const approvals = page.getByRole('table', { name: 'Pending approvals' });
  await approvals.getByText('Node/node-7').waitFor();
  await approvals.getByRole('button', { name: 'Approve cordon-drain-node Node/node-7' }).click();
  await approvals.getByText('Nothing waits for approval.').waitFor();
  const row = (await t.db.query(`SELECT status, decided_by FROM remediations WHERE id = $1`, [pending.id])).rows[0];
  assert.equal(row.status, 'approved');
  assert.match(row.decided_by, /^user:/, 'recorded with who approved');
  const latest = page.getByRole('table', { name: 'Latest remediations' }).getByRole('row').filter({ hasText: 'Node/node-7' });
  await latest.filter({ hasText: 'approved' }).waitFor();
  assert.match(await latest.textContent() ?? '', /by user:/);
  assert.deepEqual(errors, []);
});
