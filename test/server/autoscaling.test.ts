// The autoscaling API: targets for the reactive autoscaler (validated, platform roles
// only), the warm pool's forecast beside actual starts, and its knobs (ceiling, boosts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { readWarmPoolKnobs } from '../../controllers/autoscaler/knobs.ts';

const t = await buildTestApp();
const admin = await t.token('admin');

test('a target is listed with the roadmap\'s defaults filled in; bad specs are a 400 saying what to fix', async () => {
  const put = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/targets/platform/runtime-api', headers: bearer(admin), payload: { metrics: [{ type: 'Resource', resource: 'cpu', averageUtilization: 70 }] } });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual([put.json().spec.minReplicas, put.json().spec.maxReplicas], [2, 10]);
  const bad = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/targets/platform/runtime-api', headers: bearer(admin), payload: { minReplicas: 5, maxReplicas: 3, metrics: [{ type: 'Resource', resource: 'cpu', averageUtilization: 70 }] } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /minReplicas must not exceed maxReplicas/);
  const noMetric = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/targets/platform/x', headers: bearer(admin), payload: { metrics: [] } });
  assert.equal(noMetric.statusCode, 400);
  const list = await t.app.inject({ method: 'GET', url: '/api/v1/autoscaling/targets', headers: bearer(admin) });
  assert.deepEqual(list.json().items.map((x: { name: string }) => x.name), ['runtime-api']);
  const tenant = await t.tenant();
  const member = await t.token('owner', tenant.id);
  assert.equal((await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/targets/platform/y', headers: bearer(member), payload: { metrics: [{ type: 'Resource', resource: 'cpu', averageUtilization: 70 }] } })).statusCode, 403);
  assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/autoscaling/targets/platform/runtime-api', headers: bearer(admin) })).statusCode, 204);
  assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/autoscaling/targets/platform/runtime-api', headers: bearer(admin) })).statusCode, 404);
});

test('the warm pool shows this hour\'s actual starts beside the forecast', async () => {
  const tenant = await t.tenant();
  const token = await t.token('member', tenant.id);
  for (const name of ['a', 'b']) {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/workspaces`, headers: bearer(token), payload: { name, region: 'eu-west-1' } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/fleet/warm-pool?hours=3&ahead=2', headers: bearer(admin) });
  assert.equal(res.statusCode, 200, res.body);
  const pool = res.json().pools.find((p: { region: string }) => p.region === 'eu-west-1');
  assert.equal(pool.hours.length, 5);
  assert.equal(pool.hours[2].actual, 2, 'two starts this hour');
  assert.equal(pool.hours[3].actual, null, 'hours ahead have no actual');
  assert.ok(pool.hours.every((h: { forecast: number }) => h.forecast >= 0));
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/fleet/warm-pool?hours=500', headers: bearer(admin) })).statusCode, 400);
});

test('the cost guard\'s ceiling and a remediation boost are knobs the autoscaler reads, with who set them', async () => {
  const sre = await t.token('sre');
  const c = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/warm-pool/ceiling', headers: bearer(sre), payload: { maxPerPool: 6, costCeilingPerHour: 1.5 } });
  assert.equal(c.statusCode, 200, c.body);
  const b = await t.app.inject({ method: 'POST', url: '/api/v1/autoscaling/warm-pool/boosts', headers: bearer(sre), payload: { region: 'us-east-1', extra: 4, forMinutes: 30, reason: 'startup SLO' } });
  assert.equal(b.statusCode, 201, b.body);
  const knobs = await readWarmPoolKnobs(t.db);
  assert.equal(knobs.maxPerPool, 6);
  assert.equal(knobs.costCeilingPerHour, 1.5);
  assert.equal(knobs.boosts?.[0]?.extra, 4);
  assert.ok(knobs.boosts?.[0]?.by);
  const lift = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/warm-pool/ceiling', headers: bearer(sre), payload: { maxPerPool: null } });
  assert.equal(lift.json().maxPerPool, undefined);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/autoscaling/warm-pool/boosts', headers: bearer(sre), payload: { region: 'us-east-1', extra: 400, forMinutes: 30 } })).statusCode, 400);
  const p = await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/warm-pool/policy', headers: bearer(sre), payload: { policy: 'reactive', emptyProbability: 0.05 } });
  assert.deepEqual([p.json().policy, p.json().emptyProbability], ['reactive', 0.05]);
  assert.equal((await t.app.inject({ method: 'PUT', url: '/api/v1/autoscaling/warm-pool/policy', headers: bearer(sre), payload: { emptyProbability: 2 } })).statusCode, 400);
});
