// The regions API: health and history for any platform role; a manual failover for sre and
// admin only, with a reason, refused for an unhealthy or active region, carried out by the
// controller and recorded as the person's action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { PRIMARY, STANDBY, startDrill } from '../controllers/region-failover/harness.ts';

const t = await buildTestApp();

test('an sre fails over by hand: the request is carried out under the lease and recorded with who and why', async () => {
  const d = await startDrill(t.db, { lease: 'api-drill' });
  await d.step();
  const sre = await t.token('sre');
  const viewer = await t.token('viewer');
  const view = (await t.app.inject({ url: '/api/v1/regions', headers: bearer(viewer) })).json();
  assert.deepEqual(view.regions.map((r: any) => [r.name, r.role, r.health.state]), [[PRIMARY, 'active', 'healthy'], [STANDBY, 'standby', 'healthy']]);

  const url = `/api/v1/regions/${STANDBY}/failover`;
  assert.equal((await t.app.inject({ method: 'POST', url, headers: bearer(viewer), payload: { reason: 'drill' } })).statusCode, 403);
  const noReason = await t.app.inject({ method: 'POST', url, headers: bearer(sre), payload: {} });
  assert.equal(noReason.statusCode, 400);
  assert.match(noReason.json().message, /reason/);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/regions/mars-1/failover', headers: bearer(sre), payload: { reason: 'drill' } })).statusCode, 404);
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/regions/${PRIMARY}/failover`, headers: bearer(sre), payload: { reason: 'drill' } })).statusCode, 409, 'already active');

  const res = await t.app.inject({ method: 'POST', url, headers: bearer(sre), payload: { reason: 'planned maintenance in eu-west-1' } });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal((await t.app.inject({ method: 'POST', url, headers: bearer(sre), payload: { reason: 'again' } })).statusCode, 409, 'one request at a time');
  await d.step();
  assert.equal(await d.routed(), STANDBY);
  const after = (await t.app.inject({ url: '/api/v1/regions', headers: bearer(viewer) })).json();
  assert.equal(after.regions.find((r: any) => r.name === STANDBY).role, 'active');
  const [fo] = after.failovers;
  assert.equal(fo.kind, 'manual');
  assert.equal(fo.reason, 'planned maintenance in eu-west-1');
  assert.match(fo.actor, /token|sre/);
  assert.equal(fo.rtoMs, null);
  assert.equal(after.requests[0].failoverId, fo.id);
  await d.runtime.stop();
});

test('a failover to an unhealthy region is refused with what to wait for', async () => {
  await t.db.query(`TRUNCATE region_checks, region_failover_requests, region_failovers, regions CASCADE`);
  const d = await startDrill(t.db, { lease: 'api-drill-2' });
  await d.step();
  d.down(STANDBY, 'refuse');
  await d.runUntil(async () => false, 30_000);
  const sre = await t.token('sre');
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/regions/${STANDBY}/failover`, headers: bearer(sre), payload: { reason: 'drill' } });
  assert.equal(res.statusCode, 409);
  assert.match(res.json().message, /is failing: its last check did not pass/);
  assert.equal((await t.db.query(`SELECT count(*)::int AS n FROM region_failover_requests`)).rows[0].n, 0, 'nothing recorded');
  await d.runtime.stop();
});

test('a region is added and changed through the API; bad input is a 400 that changes nothing', async () => {
  const sre = await t.token('sre');
  const viewer = await t.token('viewer');
  const body = { priority: 3, probeUrl: 'https://ap-south-1.example.com/healthz', autoFailback: true, slos: ['api-availability'] };
  assert.equal((await t.app.inject({ method: 'PUT', url: '/api/v1/regions/ap-south-1', headers: bearer(viewer), payload: body })).statusCode, 403);
  const res = await t.app.inject({ method: 'PUT', url: '/api/v1/regions/ap-south-1', headers: bearer(sre), payload: body });
  assert.equal(res.statusCode, 200, res.body);
  const r = res.json().regions.find((x: any) => x.name === 'ap-south-1');
  assert.deepEqual([r.priority, r.role, r.autoFailback, r.slos, r.health.state], [3, 'standby', true, ['api-availability'], 'unknown']);
  const bad = await t.app.inject({ method: 'PUT', url: '/api/v1/regions/ap-south-1', headers: bearer(sre), payload: { ...body, priority: 0 } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /priority/);
  assert.equal((await t.app.inject({ method: 'PUT', url: '/api/v1/regions/AP_South', headers: bearer(sre), payload: body })).statusCode, 400);
  const { rows } = await t.db.query(`SELECT priority FROM regions WHERE name = 'ap-south-1'`);
  assert.equal(rows[0].priority, 3);
});
