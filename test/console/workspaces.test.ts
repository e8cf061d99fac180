// The workspaces and controllers pages in real Chromium, with the controllers running
// against the sandbox cluster: a workspace created, paused and resumed from the console
// really starts, stops and starts again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { buildTestApp } from '../helper.ts';
import { buildRuntime } from '../../controllers/index.ts';
import { readObject } from '../../kube/objects.ts';
import { startTestCluster } from '../controllers/cluster.ts';

const skip = skipWithout('chromium');
const EVERY_SECOND = '* * * * * *';

test('a workspace is created, paused and resumed from the console, and the cluster follows', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const cluster = await startTestCluster();
  const runtime = buildRuntime({
    db: t.db, kube: cluster.kube(), holder: 'console-test', leaseTtlMs: 5_000,
    schedules: { 'workspace-lifecycle': EVERY_SECOND, 'idle-reaper': EVERY_SECOND, 'quota-enforcer': EVERY_SECOND },
  });
  await runtime.start();
  test.after(() => runtime.stop());
  const tenant = await t.tenant('Acme');
  const kube = cluster.kube();

  const { page, errors } = await signedInAdmin(t);
  await navigate(page, 'Workspaces');
  await page.getByRole('heading', { name: 'Workspaces' }).waitFor();

  const form = page.getByRole('form', { name: 'New workspace' });
  await form.getByLabel('Workspace name').fill('from-console');
  await form.getByLabel('Repository').fill('github.com/acme/api');
  await form.getByLabel('Size').selectOption('2');
  await form.getByRole('button', { name: 'Create workspace' }).click();

  const row = page.getByRole('row').filter({ hasText: 'from-console' });
  await row.locator('.badge.running').waitFor({ timeout: 20_000 });
  const { rows } = await t.db.query(`SELECT id, resource_factor FROM workspaces WHERE tenant_id = $1 AND name = 'from-console'`, [tenant.id]);
  const name = `ws-${rows[0].id}`;
  const ns = `tenant-${tenant.id}`;
  assert.equal(rows[0].resource_factor, 2);
  assert.equal((await readObject(kube, 'Deployment', ns, name))?.spec.replicas, 1);

  // Pausing asks first, and takes a reason for the audit log.
  await row.getByRole('button', { name: 'Pause from-console' }).click();
  const confirm = page.getByRole('dialog', { name: 'Pause from-console?' });
  await confirm.getByLabel(/Reason/).fill('freeing the node');
  await confirm.getByRole('button', { name: 'Pause', exact: true }).click();
  await row.locator('.badge.paused').waitFor();
  await waitUntil(async () => (await readObject(kube, 'Deployment', ns, name))?.spec.replicas === 0);

  await row.getByRole('button', { name: 'Resume from-console' }).click();
  await row.locator('.badge.running').waitFor({ timeout: 20_000 });
  assert.equal((await readObject(kube, 'Deployment', ns, name))?.spec.replicas, 1);

  // The controllers page tells what was done and why.
  await navigate(page, 'Controllers');
  await page.getByRole('heading', { name: 'Controllers' }).waitFor();
  await page.getByTestId('lease').getByText('console-test').waitFor();
  await page.getByLabel('Target').fill(rows[0].id);
  await page.getByTestId('action-log').getByText('starting → running').first().waitFor();
  const log = await page.getByTestId('action-log').textContent();
  assert.match(log ?? '', /scale Deployment .* 1→0/);
  assert.match(log ?? '', /scale Deployment .* 0→1/);
  // The person who paused it is in the same log, with the reason given.
  assert.match(log ?? '', /pause workspace from-console.*freeing the node/s);

  await page.getByRole('button', { name: 'Pause idle-reaper' }).click();
  await page.getByRole('dialog', { name: 'Pause idle-reaper?' }).getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByTestId('controller-idle-reaper').locator('.badge.paused').waitFor();
  assert.equal((await runtime.runOnce('idle-reaper')).skipped, 'paused');
  assert.deepEqual(errors, []);
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
