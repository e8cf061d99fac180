// The capacity API: the policy (shipped, then replaced through the API; an invalid one is a
// 400 naming the problem and changes nothing), the cost guard's measures and the records of
// interruptions, moves and the brake, for platform roles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { defaultCapacityPolicy } from '../../controllers/capacity/policy.ts';
import { setTuning, SPOT_SHARE_BOOST } from '../../controllers/runtime/tunings.ts';

const t = await buildTestApp();

test('the shipped policy applies until one is stored; an invalid one is refused with the reason and changes nothing', async () => {
  const sre = await t.token('sre');
  const viewer = await t.token('viewer');
  const first = (await t.app.inject({ url: '/api/v1/capacity', headers: bearer(viewer) })).json();
  assert.equal(first.policyVersion, null);
  assert.deepEqual(first.policy, defaultCapacityPolicy());
  assert.equal(first.savings, null, 'no cluster here');

  const p = defaultCapacityPolicy();
  p.spot.workloads[0]!.targetSpotShare = 0.8;
  const bad = await t.app.inject({ method: 'PUT', url: '/api/v1/capacity-policy', headers: bearer(sre), payload: p });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /targetSpotShare 0.8 is above maxSpotShare 0.7/);
  assert.equal((await t.app.inject({ method: 'PUT', url: '/api/v1/capacity-policy', headers: bearer(viewer), payload: defaultCapacityPolicy() })).statusCode, 403);

  p.spot.workloads[0]!.targetSpotShare = 0.5;
  p.costGuard.dailyLimitUsd = 250;
  const ok = await t.app.inject({ method: 'PUT', url: '/api/v1/capacity-policy', headers: bearer(sre), payload: p });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().policy.spot.workloads[0].targetSpotShare, 0.5);
  assert.equal(ok.json().costGuard.dailyLimitUsd, 250);
  assert.match(ok.json().policyUpdatedBy, /./);
  assert.equal(typeof ok.json().policyVersion, 'number');
});

test('the cost guard\'s measures, interruptions, moves and the brake are shown as recorded', async () => {
  const viewer = await t.token('viewer');
  await setTuning(t.db, SPOT_SHARE_BOOST, 0.2, 'cost-guard', 'apply: default → 0.2');
  await t.db.query(`INSERT INTO spot_interruptions (node, pool, noticed_at, deadline, replicas, workloads, moved_at, took_ms, hold_until)
    VALUES ('ip-1', 'eu-west-1-spot', '2026-12-03T10:00:00Z', '2026-12-03T10:02:00Z', 2, '{ns/a,ns/b}', '2026-12-03T10:00:31Z', 31000, '2026-12-03T10:30:00Z')`);
  await t.db.query(`INSERT INTO node_repair_brake (engaged, failing, total, changed_at) VALUES (true, 3, 6, now())`);
  const body = (await t.app.inject({ url: '/api/v1/capacity', headers: bearer(viewer) })).json();
  assert.deepEqual(body.costGuard.measures.map((m: any) => [m.name, m.value]), [['spot.targetShareBoost', 0.2]]);
  assert.deepEqual(body.interruptions.map((i: any) => [i.node, i.tookMs, i.workloads]), [['ip-1', 31000, ['ns/a', 'ns/b']]]);
  assert.deepEqual([body.brake.engaged, body.brake.failing, body.brake.total], [true, 3, 6]);
  assert.equal((await t.app.inject({ url: '/api/v1/capacity', headers: bearer(await t.token('member', (await t.tenant()).id)) })).statusCode, 403);
});
