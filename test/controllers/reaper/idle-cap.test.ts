// The cost guard's idle cap, as the idle reaper reads it: a fleet-wide maximum idle time
// that shortens every tenant's (never lengthens one), and nothing once cleared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../../helper.ts';
import { createTenant } from '../../../tenancy/tenants.ts';
import { createWorkspace, transitionWorkspace } from '../../../tenancy/workspaces.ts';
import { createReaperController } from '../../../controllers/reaper/reaper.ts';
import { IDLE_PAUSE_CAP_MINUTES, setTuning } from '../../../controllers/runtime/tunings.ts';

const { pool: db } = await createTestDb();

test('a workspace idle 15 min is paused under a 10-minute cap, and left alone without it or under a 20-minute one', async () => {
  const tenant = await createTenant(db, { name: 'capped' });
  const ws = await createWorkspace(db, { tenantId: tenant.id, name: 'idle', region: 'eu-west-1' });
  await transitionWorkspace(db, tenant.id, ws.id, { to: 'starting' });
  await transitionWorkspace(db, tenant.id, ws.id, { to: 'running' });
  await db.query(`UPDATE workspaces SET running_at = now() - interval '20 minutes', last_activity_at = now() - interval '15 minutes' WHERE id = $1`, [ws.id]);
  const reaper = createReaperController();
  const decide = async () => reaper.decide(await reaper.observe({ db, now: new Date() })).map((d) => d.decision);
  assert.deepEqual(await decide(), []);
  await setTuning(db, IDLE_PAUSE_CAP_MINUTES, 10, 'cost-guard', 'test');
  assert.deepEqual(await decide(), ['pause: idle']);
  await setTuning(db, IDLE_PAUSE_CAP_MINUTES, 20, 'cost-guard', 'test');
  assert.deepEqual(await decide(), []);
  await setTuning(db, IDLE_PAUSE_CAP_MINUTES, null, 'cost-guard', 'test');
  assert.deepEqual(await decide(), []);
});
