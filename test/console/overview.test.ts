// The Overview in real Chromium: a platform admin sees what needs attention (workspaces by
// state and in error, SLO budgets, the controllers' latest decisions); a tenant member sees
// only their tenant's workspaces and quota.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../tools.ts';
import { bearer, buildTestApp } from '../helper.ts';
import { createWorkspace, transitionWorkspace } from '../../tenancy/workspaces.ts';
import { addMember } from '../../tenancy/members.ts';
import { createSession, SESSION_COOKIE } from '../../server/auth/sessions.ts';
import { ControllerRuntime } from '../../controllers/runtime/runtime.ts';
import { PgElector } from '../../controllers/runtime/elector.ts';
import { createReaperController } from '../../controllers/reaper/reaper.ts';
import { LEASE_NAME } from '../../controllers/index.ts';

const skip = skipWithout('chromium');

const t = await buildTestApp({ console: true });
const acme = await t.tenant('Acme');
const globex = await t.tenant('Globex');

async function workspace(tenantId: string, name: string, to: 'running' | 'error', idleHours = 0): Promise<string> {
  const ws = await createWorkspace(t.db, { tenantId, name, region: 'eu-west-1' });
  await transitionWorkspace(t.db, tenantId, ws.id, { to: 'starting' });
  await transitionWorkspace(t.db, tenantId, ws.id, to === 'error' ? { to: 'error', reason: 'image pull failed: not found' } : { to: 'running' });
  if (idleHours) await t.db.query(`UPDATE workspaces SET running_at = now() - interval '3 hours', last_activity_at = now() - make_interval(hours => $2) WHERE id = $1`, [ws.id, idleHours]);
  return ws.id;
}
await workspace(acme.id, 'acme-busy', 'running');
await workspace(acme.id, 'acme-broken', 'error');
await workspace(globex.id, 'globex-idle', 'running', 2);
await workspace(globex.id, 'globex-busy', 'running');
// One decision in the audit log: the reaper pauses the idle workspace.
const runtime = new ControllerRuntime({ db: t.db, elector: new PgElector(t.db, LEASE_NAME, 'overview-test', 10_000), controllers: [createReaperController()], registry: t.app.metrics });
await runtime.tick();
await runtime.runOnce('idle-reaper');
await runtime.stop();
const sre = await t.token('sre');
assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/slos/evaluate', headers: bearer(sre), payload: {} })).statusCode, 200);
await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${acme.id}/quota`, headers: bearer(await t.token('admin')), payload: { resourceQuota: { hard: { 'count/workspaces': 4 } } } });

test('a platform admin\'s Overview counts workspaces by state, names the broken one, and shows SLO budgets and the latest decisions', { skip }, async () => {
  const { signedInAdmin } = await import('../browser.ts');
  const { page, errors } = await signedInAdmin(t);
  const card = (title: string) => page.getByRole('link').filter({ hasText: title });
  await card('Workspaces running').getByText('2', { exact: true }).waitFor();
  await card('Workspaces in error').getByText('1', { exact: true }).waitFor();
  const broken = page.getByRole('list', { name: 'Workspaces in error' });
  await broken.getByText('acme-broken').waitFor();
  assert.match(await broken.textContent() ?? '', /image pull failed/);
  // Evaluated above: the SLOs with the least budget left are listed, each linking to its page.
  await page.getByRole('table', { name: 'Least budget left' }).getByRole('link').first().waitFor();
  const decisions = page.getByRole('table', { name: 'Latest controller decisions' });
  await decisions.getByText('idle-reaper').first().waitFor();
  assert.match(await decisions.textContent() ?? '', /pause/);
  // No cluster behind this server: no fleet cards, and no failed request for them.
  assert.equal(await card('Nodes cost').count(), 0);
  assert.deepEqual(errors, []);
});

test('a tenant member\'s Overview shows only their tenant: its workspaces and its quota', { skip }, async () => {
  const { launchBrowser, listening } = await import('../browser.ts');
  const member = await addMember(t.db, acme.id, 'dev@acme.example', 'member');
  const session = await createSession(t.db, member.userId, 1);
  const base = await listening(t.app);
  const context = await (await launchBrowser()).newContext();
  await context.addCookies([{ name: SESSION_COOKIE, value: session.id, url: base }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(base);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  const mine = page.getByRole('region', { name: 'Workspaces of Acme' });
  await mine.getByRole('link').filter({ hasText: 'Acme: running' }).getByText('1', { exact: true }).waitFor();
  await mine.getByRole('link').filter({ hasText: 'Acme: in error' }).getByText('1', { exact: true }).waitFor();
  const quota = page.getByRole('table', { name: 'Quota of Acme' });
  await quota.getByRole('row').filter({ hasText: 'count/workspaces' }).waitFor();
  assert.match(await page.locator('main').textContent() ?? '', /Acme/);
  assert.doesNotMatch(await page.locator('main').textContent() ?? '', /Globex|globex/);
  assert.equal(await page.getByRole('table', { name: 'Latest controller decisions' }).count(), 0);
  assert.deepEqual(errors, []);
});
