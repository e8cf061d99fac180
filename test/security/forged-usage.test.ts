// Finding 4: a tenant admin minted an ingest token and posted llm.tokens with quantity
// -1,000,000,000: accepted, and the month's cost went negative. Billable usage now comes only
// from platform collector tokens; a negative correction names its event and cannot take
// the event, or its meter's month, below zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { collector, eventsUrl, postBatch, postEvent, usageEvent } from '../collectors/usage/fixtures.ts';

const t = await buildTestApp();
const platformAdmin = await t.token('admin');

const total = async (tenantId: string) => (await t.db.query(`SELECT coalesce(sum(quantity), 0)::text AS q FROM usage_events WHERE tenant_id = $1`, [tenantId])).rows[0].q as string;

test('an ingest token a tenant admin mints cannot write usage, negative or not', async () => {
  const tenant = await t.tenant();
  const admin = await t.token('admin', tenant.id);
  const minted = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/tokens`, headers: bearer(admin), payload: { name: 'mine', role: 'ingest' } });
  assert.equal(minted.statusCode, 201, minted.body);
  const token = minted.json().token as string;
  for (const quantity of [-1_000_000_000, 5]) {
    const res = await postEvent(t.app, { token, tenantId: tenant.id }, usageEvent({}, { quantity }));
    assert.equal(res.statusCode, 403, res.body);
  }
  assert.equal(await total(tenant.id), '0');
});

test('a negative event that names no event is refused, even from a platform collector', async () => {
  const tenant = await t.tenant();
  const gw = await collector(t, tenant.id);
  await postEvent(t.app, gw, usageEvent({ source: '/gw' }, { quantity: 100 }));
  const res = await postEvent(t.app, gw, usageEvent({ source: '/gw' }, { quantity: -1_000_000_000 }));
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().rejections[0].reason, 'invalid_correction');
  assert.match(res.json().message, /name the event it corrects/);
  assert.equal(await total(tenant.id), '100');
});

test('a correction takes off at most what its event still counts, over several corrections and in one batch', async () => {
  const tenant = await t.tenant();
  const gw = await collector(t, tenant.id);
  const ev = usageEvent({ source: '/gw' }, { quantity: 100 });
  await postEvent(t.app, gw, ev);
  const fix = (q: number) => usageEvent({ source: '/gw', corrects: ev.id }, { quantity: q });
  assert.equal((await postEvent(t.app, gw, fix(-60))).json().accepted, 1);
  const res = await postBatch(t.app, gw, [fix(-30), fix(-30)]);
  assert.equal(res.json().accepted, 1, res.body);
  assert.equal(res.json().rejections[0].reason, 'invalid_correction');
  assert.match(res.json().rejections[0].message, /still counts \(10\)/);
  assert.equal(await total(tenant.id), '10');
});

test('a correction cannot take its meter below zero for the month it is dated in', async () => {
  const tenant = await t.tenant();
  const gw = await collector(t, tenant.id);
  // An event of last month, corrected by an event dated this month, when this month holds less.
  const now = new Date();
  const lastMonth = new Date(Math.max(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 3600_000, now.getTime() - 30 * 24 * 3600_000));
  const old = usageEvent({ source: '/gw', time: lastMonth.toISOString() }, { quantity: 1000 });
  await postEvent(t.app, gw, old);
  await postEvent(t.app, gw, usageEvent({ source: '/gw' }, { quantity: 10 }));
  const res = await postEvent(t.app, gw, usageEvent({ source: '/gw', corrects: old.id }, { quantity: -500 }));
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().message, /below zero for \d{4}-\d{2}/);
  const ok = await postEvent(t.app, gw, usageEvent({ source: '/gw', corrects: old.id }, { quantity: -10 }));
  assert.equal(ok.json().accepted, 1, ok.body);
});

test('a correction names an event of its own source and tenant', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  const ev = usageEvent({ source: '/gw' }, { quantity: 100 });
  await postEvent(t.app, await collector(t, a.id), ev);
  for (const [sender, source] of [[await collector(t, b.id), '/gw'], [await collector(t, a.id), '/other']] as const) {
    const res = await postEvent(t.app, sender, usageEvent({ source, corrects: ev.id }, { quantity: -1 }));
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json().message, /no event with that id/);
  }
});

test('a platform collector writes usage for a tenant named in the URL; an unknown tenant is a 404', async () => {
  const tenant = await t.tenant();
  const gw = await collector(t, tenant.id);
  assert.equal((await postEvent(t.app, gw, usageEvent({}, { quantity: 7 }))).json().accepted, 1);
  const nowhere = await postEvent(t.app, { token: gw.token, tenantId: '00000000-0000-4000-8000-000000000000' }, usageEvent());
  assert.equal(nowhere.statusCode, 404);
  const res = await t.app.inject({ method: 'POST', url: eventsUrl(gw), headers: { ...bearer(platformAdmin), 'content-type': 'application/cloudevents+json' }, payload: JSON.stringify(usageEvent()) });
  assert.equal(res.statusCode, 200, 'platform admins hold every permission');
});
