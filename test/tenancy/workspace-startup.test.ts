import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb, type TestDb } from '../helper.ts';
import { createTenant } from '../../tenancy/tenants.ts';
import { startsBetween, startups } from '../../tenancy/workspace-startup.ts';
import type { WorkspaceState } from '../../tenancy/workspace-states.ts';

const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 12, 0, s));
type Change = { from: WorkspaceState | null; to: WorkspaceState; at: Date };

const db: TestDb = await createTestDb();
const tenantId = (await createTenant(db.pool, { name: 'startups' })).id;

/** A workspace whose transition history is exactly `h` (the view reads nothing else). */
async function workspaceWith(h: Change[]): Promise<string> {
  const { rows } = await db.pool.query(
    `INSERT INTO workspaces (tenant_id, name, region, state) VALUES ($1, 'w-' || gen_random_uuid(), 'us-east-1', $2) RETURNING id`,
    [tenantId, h.at(-1)!.to],
  );
  for (const c of h) {
    await db.pool.query(
      'INSERT INTO workspace_transitions (workspace_id, tenant_id, from_state, to_state, at) VALUES ($1, $2, $3, $4, $5)',
      [rows[0].id, tenantId, c.from, c.to, c.at],
    );
  }
  return rows[0].id;
}

test('a fresh workspace\'s startup runs from its creation to running', async () => {
  const id = await workspaceWith([
    { from: null, to: 'pending', at: at(0) },
    { from: 'pending', to: 'starting', at: at(2) },
    { from: 'starting', to: 'running', at: at(17) },
  ]);
  assert.deepEqual((await startups(db.pool, tenantId, id)).map((s) => s.seconds), [17]);
});

test('a resume is timed from the resume request, not from the creation', async () => {
  const id = await workspaceWith([
    { from: null, to: 'pending', at: at(0) },
    { from: 'pending', to: 'starting', at: at(1) },
    { from: 'starting', to: 'running', at: at(10) },
    { from: 'running', to: 'paused', at: at(20) },
    { from: 'paused', to: 'starting', at: at(30) },
    { from: 'starting', to: 'running', at: at(35) },
  ]);
  assert.deepEqual((await startups(db.pool, tenantId, id)).map((s) => s.seconds), [10, 5]);
});

test('a start abandoned (paused or failed before running) yields no startup', async () => {
  const id = await workspaceWith([
    { from: null, to: 'pending', at: at(0) },
    { from: 'pending', to: 'starting', at: at(1) },
    { from: 'starting', to: 'error', at: at(300) },
  ]);
  assert.deepEqual(await startups(db.pool, tenantId, id), []);
});

test('a creation and a resume are starts; the pending → starting step of one start is not a second', async () => {
  const id = await workspaceWith([
    { from: null, to: 'pending', at: at(100) },
    { from: 'pending', to: 'starting', at: at(101) },
    { from: 'starting', to: 'running', at: at(110) },
    { from: 'running', to: 'paused', at: at(120) },
    { from: 'paused', to: 'starting', at: at(130) },
  ]);
  const starts = (await startsBetween(db.pool, at(100), at(200))).filter((s) => s.workspaceId === id);
  assert.deepEqual(starts.map((s) => [s.at.getTime(), s.created]), [[at(100).getTime(), true], [at(130).getTime(), false]]);
});
