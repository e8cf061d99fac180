import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../../helper.ts';
import { withTransaction } from '../../../db/pool.ts';
import { acquireOrRenew, holdsLease } from '../../../controllers/runtime/lease.ts';
import { closeInterrupted, recordDecision } from '../../../controllers/runtime/audit.ts';

const { pool: db } = await createTestDb();
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
let n = 0;
const lease = () => `lease-${++n}`;
const decision = { target: { kind: 'Workspace', name: 'w1' }, action: {}, decision: 'pause', reason: 'test', inputs: {} };

test('the first holder gets epoch 1 and keeps it while renewing', async () => {
  const name = lease();
  const a = await acquireOrRenew(db, name, 'a', 5_000);
  const again = await acquireOrRenew(db, name, 'a', 5_000);
  assert.deepEqual([a.held, a.lease?.epoch, again.held, again.lease?.epoch], [true, 1, true, 1]);
});

test('nobody else takes a live lease; after it expires the next holder gets the next epoch', async () => {
  const name = lease();
  await acquireOrRenew(db, name, 'a', 200);
  const early = await acquireOrRenew(db, name, 'b', 200);
  assert.equal(early.held, false);
  assert.equal(early.lease?.holder, 'a');
  await sleep(250);
  const late = await acquireOrRenew(db, name, 'b', 5_000);
  assert.deepEqual([late.held, late.lease?.epoch], [true, 2]);
  const old = await acquireOrRenew(db, name, 'a', 5_000);
  assert.equal(old.held, false, 'the deposed holder cannot renew');
});

test('a holder returning to its own expired lease gets a new epoch: its old actions are fenced off', async () => {
  const name = lease();
  await acquireOrRenew(db, name, 'a', 100);
  await sleep(150);
  const back = await acquireOrRenew(db, name, 'a', 5_000);
  assert.equal(back.lease?.epoch, 2);
});

test('a deposed leader\'s fenced transaction is refused and its decision is not recorded', async () => {
  const name = lease();
  await acquireOrRenew(db, name, 'a', 100);
  await sleep(150);
  await acquireOrRenew(db, name, 'b', 5_000);
  const held = await withTransaction(db, (c) => holdsLease(c, name, 'a', 1));
  assert.equal(held, false);
  const id = await recordDecision(db, { lease: name, holder: 'a', epoch: 1 }, 'test-controller', decision, false);
  assert.equal(id, null);
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM controller_actions WHERE controller = 'test-controller' AND epoch = 1`);
  assert.equal(rows[0].n, 0);
});

test('a takeover waits for the old leader\'s fenced transaction to finish', async () => {
  const name = lease();
  await acquireOrRenew(db, name, 'a', 300);
  const events: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((ok) => { release = ok; });
  const old = withTransaction(db, async (c) => {
    assert.equal(await holdsLease(c, name, 'a', 1), true);
    events.push('a checked the fence');
    await gate;
    events.push('a committed');
  });
  await sleep(350); // the lease has expired while a's transaction is still open
  const takeover = acquireOrRenew(db, name, 'b', 5_000).then((r) => { events.push(`b took epoch ${r.lease?.epoch}`); });
  await sleep(200);
  release();
  await Promise.all([old, takeover]);
  assert.deepEqual(events, ['a checked the fence', 'a committed', 'b took epoch 2']);
});

test('a new leader marks the actions its predecessor left started as interrupted', async () => {
  const name = lease();
  await acquireOrRenew(db, name, 'a', 100);
  const id = await recordDecision(db, { lease: name, holder: 'a', epoch: 1 }, 'ctl-interrupt', decision, false);
  assert.ok(id);
  await sleep(150);
  await acquireOrRenew(db, name, 'b', 5_000);
  const closed = await closeInterrupted(db, ['ctl-interrupt'], { lease: name, holder: 'b', epoch: 2 });
  assert.equal(closed, 1);
  const { rows } = await db.query(`SELECT status, error FROM controller_actions WHERE id = $1`, [id]);
  assert.equal(rows[0].status, 'interrupted');
  assert.match(rows[0].error, /stopped leading before recording its outcome \(epoch 1 → 2\)/);
});
