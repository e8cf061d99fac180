// Month close: an immutable snapshot per tenant that new prices, late events and
// cancellations cannot change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { dueMonth } from '../../../collectors/usage/close.ts';
import { postEvent, usageEvent, collector, postCancellation } from './fixtures.ts';

const t = await buildTestApp();
const admin = await t.token('admin');
const tenant = await t.tenant();
const ingest = await collector(t, tenant.id);
const now = new Date();
const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
const lastPeriod = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
// last month, within the 35 days accepted
const inLastMonth = new Date(Math.max(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1), Date.now() - 34 * 24 * 3600_000) + 60_000);

const catalog = (version: string, effectiveFrom: string, price: string) => ({
  version, effectiveFrom, currency: 'USD', prices: [{ meter: 'llm.tokens', per: 1000000, unitPrice: price }],
});
const report = async (period: string) => (await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage/report?period=${period}`, headers: bearer(admin) })).json();

test('a closed month keeps its report when new prices, events and cancellations arrive', async () => {
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/price-catalogs', headers: bearer(admin), payload: catalog('v1', '2020-01-01T00:00:00Z', '2') })).statusCode, 201);
  const billed = usageEvent({ time: inLastMonth.toISOString(), source: '/close' }, { quantity: 1_000_000 });
  assert.equal((await postEvent(t.app, ingest, billed)).json().accepted, 1);
  const open = await report(lastPeriod);
  assert.equal(open.status, 'open');
  assert.equal(open.total.cost, '2.00');

  const closed = await t.app.inject({ method: 'POST', url: '/api/v1/usage/close', headers: bearer(admin), payload: { period: lastPeriod } });
  assert.equal(closed.statusCode, 200, closed.body);
  assert.deepEqual(closed.json().at(-1), { period: lastPeriod, closed: true, tenants: 1 });
  const frozen = await report(lastPeriod);
  assert.equal(frozen.status, 'closed');
  assert.equal(frozen.total.cost, '2.00');

  // New prices may not reach back into the closed month …
  const backdated = await t.app.inject({ method: 'POST', url: '/api/v1/price-catalogs', headers: bearer(admin), payload: catalog('v2', inLastMonth.toISOString(), '10') });
  assert.equal(backdated.statusCode, 409);
  assert.match(backdated.json().message, /closed billing period/);
  // … and prices from this month on leave it unchanged.
  const v3 = await t.app.inject({ method: 'POST', url: '/api/v1/price-catalogs', headers: bearer(admin), payload: catalog('v3', thisMonth.toISOString(), '10') });
  assert.equal(v3.statusCode, 201, v3.body);
  // A late event for the closed month is refused, and so is cancelling one of its events.
  const late = await postEvent(t.app, ingest, usageEvent({ time: inLastMonth.toISOString() }, { quantity: 5 }));
  assert.equal(late.statusCode, 400);
  assert.equal(late.json().rejections[0].reason, 'closed_period');
  const cancel = await postCancellation(t.app, ingest, { source: '/close', id: billed.id });
  assert.equal(cancel.statusCode, 409);
  assert.deepEqual(await report(lastPeriod), frozen);
  // The open month is priced with the new catalogue.
  await postEvent(t.app, ingest, usageEvent({ time: new Date(Math.max(thisMonth.getTime(), Date.now() - 60_000)).toISOString() }, { quantity: 1_000_000 }));
  assert.equal((await report(now.toISOString().slice(0, 7))).total.cost, '10.00');
});

test('closing again changes nothing, and a month that has not ended cannot close', async () => {
  const again = await t.app.inject({ method: 'POST', url: '/api/v1/usage/close', headers: bearer(admin), payload: { period: lastPeriod } });
  assert.deepEqual(again.json(), [{ period: lastPeriod, closed: false, tenants: 0 }]);
  const early = await t.app.inject({ method: 'POST', url: '/api/v1/usage/close', headers: bearer(admin), payload: { period: now.toISOString().slice(0, 7) } });
  assert.equal(early.statusCode, 409);
  assert.match(early.json().message, /has not ended/);
});

test('snapshots and catalogue versions cannot be changed, even in SQL', async () => {
  await assert.rejects(t.db.query(`UPDATE usage_snapshots SET report = '{}'`), /immutable/);
  await assert.rejects(t.db.query(`DELETE FROM price_catalogs`), /immutable/);
});

test('a tenant with a closed month can still be deleted', async () => {
  const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${tenant.id}`, headers: bearer(admin) });
  assert.ok(res.statusCode < 300, res.body);
});

test('the month due for closing is the previous one once the grace days have passed', () => {
  assert.equal(dueMonth(new Date('2026-12-02T00:00:00Z'), 3), '2026-10');
  assert.equal(dueMonth(new Date('2026-12-04T00:00:00Z'), 3), '2026-11');
  assert.equal(dueMonth(new Date('2026-01-05T00:00:00Z'), 3), '2025-12');
});
