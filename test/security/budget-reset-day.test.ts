// Finding 3: with llm.tokens hard at 1,000 and 2,510 used, a tenant owner set budgetResetDay
// to today: the period restarted and the used amount dropped to today's, so moved daily the
// quota never bound. A new reset day now waits for the next reset under the day in force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { periodStart } from '../../tenancy/quotas.ts';
import { ingestEvents } from '../../collectors/usage/ingest.ts';

const t = await buildTestApp();
const admin = await t.token('admin');

/** A reset day in force and a later one whose period would start after `usedAt`, so moving to it would forgive that use. */
function days(now: Date): { from: number; to: number } {
  const today = now.getUTCDate();
  if (today >= 2 && today <= 28) return { from: 1, to: today };
  return today === 1 ? { from: 28, to: 1 } : { from: 1, to: 28 };
}

test('moving the budget reset day never lowers what the period holding now has used', async () => {
  const now = new Date();
  const { from, to } = days(now);
  const created = await t.app.inject({
    method: 'POST', url: '/api/v1/tenants', headers: bearer(admin),
    payload: { name: `reset-${Date.now()}`, budgetResetDay: from, resourceQuota: { hard: { 'llm.tokens': 1000 } } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const tenant = created.json();
  const start = periodStart(now, 'month', from);
  // 2,500 tokens early in the period, 10 just now.
  const early = new Date(start.getTime() + 3600_000);
  const ev = (id: string, time: Date, quantity: number) => ({ specversion: '1.0', id, source: '/gw', type: 'llm.tokens', time: time.toISOString(), data: { quantity, model: 'm', kind: 'prompt' } });
  const result = await ingestEvents(t.db, tenant.id, [ev('a', early, 2500), ev('b', new Date(now.getTime() - 1000), 10)]);
  assert.equal(result.accepted, 2, JSON.stringify(result.rejections));
  const owner = await t.token('owner', tenant.id);
  const used = async () => (await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(owner) })).json().resources
    .find((r: { resource: string }) => r.resource === 'llm.tokens').used.value as number;
  assert.equal(await used(), 2510);

  const moved = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${tenant.id}`, headers: bearer(owner), payload: { budgetResetDay: to } });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(await used(), 2510);
  assert.equal(moved.json().budgetResetDay, from, 'the day in force stays');
  const next = moved.json().budgetResetDayNext;
  assert.equal(next.day, to);
  assert.ok(new Date(next.from).getTime() > now.getTime(), 'the new day takes effect at the next reset');
});
