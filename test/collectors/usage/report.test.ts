// Usage reports over real ingestion: exact totals under concurrent, overlapping, retried
// batches; late events in their hour; corrections; tenant walls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { bearer, buildTestApp } from '../../helper.ts';
import { cancelEvent } from '../../../collectors/usage/corrections.ts';
import { refreshRollups } from '../../../collectors/usage/rollups.ts';
import { collector, postBatch, postCancellation, postEvent, sendRetrying, usageEvent, type Sender } from './fixtures.ts';

const t = await buildTestApp({ env: { USAGE_MAX_IN_FLIGHT: '4' } });
const admin = await t.token('admin');
const HOUR = 3600_000;
const monthStart = (d = new Date()) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const thisPeriod = new Date().toISOString().slice(0, 7);

const CATALOG = {
  version: 'test-1', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD',
  prices: [
    { meter: 'llm.tokens', match: { model: 'big', kind: 'prompt' }, per: 1000000, unitPrice: '3' },
    { meter: 'llm.tokens', match: { model: 'big', kind: 'completion' }, per: 1000000, unitPrice: '15' },
    { meter: 'llm.tokens', match: { model: 'small' }, per: 1000000, unitPrice: '0.5' },
    { meter: 'api.calls', tiers: [{ upTo: 1000, unitPrice: '0' }, { upTo: null, unitPrice: '0.001' }] },
  ],
};
const added = await t.app.inject({ method: 'POST', url: '/api/v1/price-catalogs', headers: bearer(admin), payload: CATALOG });
assert.equal(added.statusCode, 201, added.body);

async function report(tenantId: string, token: string, period = thisPeriod) {
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenantId}/usage/report?period=${period}`, headers: bearer(token) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function send(token: Sender, events: unknown[]) {
  const res = await sendRetrying(t.app, token, events);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { accepted: number; duplicates: number; rejected: number };
}

test('concurrent clients sending overlapping batches with retries and duplicates get exact report totals', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const start = Math.max(monthStart().getTime(), Date.now() - 30 * HOUR);
  const span = Date.now() - 60_000 - start;
  // 2,400 distinct events over the hours of this month, three models/kinds and api.calls.
  const kinds = [['big', 'prompt'], ['big', 'completion'], ['small', 'prompt']] as const;
  const events = Array.from({ length: 2400 }, (_, i) => {
    const time = new Date(start + Math.floor((span * i) / 2400)).toISOString();
    if (i % 4 === 3) return usageEvent({ id: `e${i}`, source: `/client/${i % 3}`, type: 'api.calls', time, data: { quantity: 1 + (i % 5), route: '/r' } });
    const [model, kind] = kinds[i % 3]!;
    return usageEvent({ id: `e${i}`, source: `/client/${i % 3}`, time }, { quantity: 1000 + (i % 997), model, kind });
  });
  const expected = new Map<string, Decimal>();
  for (const e of events) {
    const k = e.type === 'api.calls' ? 'api.calls' : `llm.tokens ${e.data.model} ${e.data.kind}`;
    expected.set(k, (expected.get(k) ?? new Decimal(0)).add(e.data.quantity as number));
  }
  // Six clients, each sending overlapping windows of 300 events, with copies inside a batch,
  // and every batch sent twice at the same time (a retry racing its original).
  const clients = Array.from({ length: 6 }, (_, c) => (async () => {
    let accepted = 0;
    for (let off = c * 100; off < events.length; off += 400) {
      const batch = events.slice(off, off + 300);
      batch.push(...batch.slice(0, 10));
      const [a, b] = await Promise.all([send(ingest, batch), send(ingest, batch)]);
      accepted += a.accepted + b.accepted;
      assert.equal(a.rejected + b.rejected, 0);
    }
    return accepted;
  })());
  const acceptedCounts = await Promise.all(clients);
  // A last pass makes sure every event was sent at least once, and shows all are already in.
  let late = 0;
  for (let off = 0; off < events.length; off += 1000) late += (await send(ingest, events.slice(off, off + 1000))).accepted;
  assert.equal(acceptedCounts.reduce((s, n) => s + n, 0) + late, events.length, 'each event accepted exactly once over all answers');

  const r = await report(tenant.id, admin);
  const line = (meter: string, model?: string, kind?: string) => r.lines
    .filter((l: { meter: string; dimensions: Record<string, string> }) => l.meter === meter && (!model || l.dimensions.model === model) && (!kind || l.dimensions.kind === kind))
    .reduce((s: Decimal, l: { quantity: string }) => s.add(l.quantity), new Decimal(0));
  for (const [model, kind] of kinds) assert.equal(line('llm.tokens', model, kind).toString(), expected.get(`llm.tokens ${model} ${kind}`)!.toString(), `${model} ${kind}`);
  assert.equal(line('api.calls').toString(), expected.get('api.calls')!.toString());
  const tokens = (m: string, k: string) => expected.get(`llm.tokens ${m} ${k}`)!;
  const calls = expected.get('api.calls')!;
  const cost = tokens('big', 'prompt').mul(3).div(1e6)
    .add(tokens('big', 'completion').mul(15).div(1e6))
    .add(tokens('small', 'prompt').mul(0.5).div(1e6))
    .add(Decimal.max(0, calls.sub(1000)).mul('0.001'));
  assert.equal(r.total.cost, cost.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM usage_events WHERE tenant_id = $1', [tenant.id]);
  assert.equal(rows[0].n, events.length);
});

test('a late event lands in the hour it happened, even after that hour was rolled up', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const hour = new Date(Math.floor((Date.now() - 20 * 24 * HOUR) / HOUR) * HOUR);
  await postEvent(t.app, ingest, usageEvent({ time: new Date(hour.getTime() + 10 * 60_000).toISOString(), type: 'api.calls', data: { quantity: 2 } }));
  await refreshRollups(t.db);
  // Two days later (for the sender), a delayed event for the same hour arrives.
  await postEvent(t.app, ingest, usageEvent({ time: new Date(hour.getTime() + 50 * 60_000).toISOString(), type: 'api.calls', data: { quantity: 5 } }));
  const from = new Date(hour.getTime() - 2 * HOUR).toISOString();
  const to = new Date(hour.getTime() + 3 * HOUR).toISOString();
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=api.calls&step=hour&from=${from}&to=${to}`, headers: bearer(admin) });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().series[0].points, [{ t: hour.toISOString(), value: 7 }]);
});

test('a cancelled event stops counting; a negative correction subtracts; the rows stay', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const time = new Date(Math.max(monthStart().getTime(), Date.now() - 2 * HOUR)).toISOString();
  const keep = usageEvent({ source: '/c', time, type: 'api.calls', data: { quantity: 100 } });
  const wrong = usageEvent({ source: '/c', time, type: 'api.calls', data: { quantity: 40 } });
  await postBatch(t.app, ingest, [keep, wrong]);
  const q = async () => (await report(tenant.id, admin)).meters.find((m: { meter: string }) => m.meter === 'api.calls')?.quantity;
  assert.equal(await q(), '140');
  const cancel = await postCancellation(t.app, ingest, { source: '/c', id: wrong.id, reason: 'double count' });
  assert.equal(cancel.statusCode, 200, cancel.body);
  assert.equal(cancel.json().alreadyCancelled, false);
  assert.equal(await q(), '100');
  const again = await postCancellation(t.app, ingest, { source: '/c', id: wrong.id });
  assert.equal(again.json().alreadyCancelled, true);
  // A negative correction names the event it corrects.
  const corrected = await postEvent(t.app, ingest, usageEvent({ source: '/c', time, type: 'api.calls', corrects: keep.id, data: { quantity: -30 } }));
  assert.equal(corrected.json().accepted, 1, corrected.body);
  assert.equal(await q(), '70');
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM usage_events WHERE tenant_id = $1`, [tenant.id]);
  assert.equal(rows[0].n, 3, 'corrections add rows, never change them');
});

test('cancelling is refused after 24 hours, for unknown events and for another tenant\'s events', async () => {
  const tenant = await t.tenant();
  const other = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const ev = usageEvent({ source: '/late-cancel', type: 'api.calls', data: { quantity: 1 } });
  await postEvent(t.app, ingest, ev);
  await assert.rejects(cancelEvent(t.db, tenant.id, { source: '/late-cancel', id: ev.id }, new Date(Date.now() + 25 * HOUR)), (e: Error & { statusCode?: number }) => e.statusCode === 409 && /negative quantity/.test(e.message));
  const unknown = await postCancellation(t.app, ingest, { source: '/late-cancel', id: 'nope' });
  assert.equal(unknown.statusCode, 404);
  const otherIngest = await collector(t, other.id);
  const cross = await postCancellation(t.app, otherIngest, { source: '/late-cancel', id: ev.id });
  assert.equal(cross.statusCode, 404);
});

test('the report gives cost per meter, model and workspace, and its change against last month', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const ws = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/workspaces`, headers: bearer(admin), payload: { name: 'alpha', region: 'eu-west-1' } })).json();
  // last month, yet within the 35 days accepted
  const prev = new Date(Math.max(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1) + HOUR, Date.now() - 34 * 24 * HOUR));
  const time = new Date(Math.max(monthStart().getTime(), Date.now() - HOUR)).toISOString();
  const sent = await postBatch(t.app, ingest, [
    usageEvent({ time: prev.toISOString() }, { quantity: 1_000_000, model: 'big', kind: 'prompt' }),
    usageEvent({ time, subject: ws.id }, { quantity: 2_000_000, model: 'big', kind: 'prompt' }),
    usageEvent({ time }, { quantity: 1_000_000, model: 'small', kind: 'completion' }),
  ]);
  assert.equal(sent.json().accepted, 3, sent.body);
  const r = await report(tenant.id, admin);
  assert.deepEqual(r.total, { cost: '6.50', previousCost: '3.00', changePct: 116.7 });
  assert.deepEqual(r.models, [{ model: 'big', tokens: '2000000', cost: '6.00' }, { model: 'small', tokens: '1000000', cost: '0.50' }]);
  assert.deepEqual(r.workspaces[0], { workspaceId: ws.id, name: 'alpha', cost: '6.00' });
  const csv = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage/report?format=csv`, headers: bearer(admin) });
  assert.match(csv.headers['content-type']!, /text\/csv/);
  const lines = csv.body.trim().split('\n');
  assert.equal(lines[0], 'period,tenant_id,tenant,meter,unit,workspace_id,workspace,kind,model,quantity,cost_usd,priced');
  assert.ok(lines.includes(`${thisPeriod},${tenant.id},${tenant.name},llm.tokens,tokens,${ws.id},alpha,prompt,big,2000000,6,yes`), csv.body);
});

test('the CSV holds data rows only (no total row), each with its tenant and workspace names, in a file named after the tenant and month', async () => {
  const tenant = await t.tenant('Umbrella Corp');
  const ingest = await collector(t, tenant.id);
  const ws = (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/workspaces`, headers: bearer(admin), payload: { name: 'beta', region: 'eu-west-1' } })).json();
  const time = new Date(Math.max(monthStart().getTime(), Date.now() - HOUR)).toISOString();
  // Three lines that round to a total of 0.02 while they add up to 0.0161.
  await postBatch(t.app, ingest, [
    usageEvent({ time, subject: ws.id }, { quantity: 1_700, model: 'big', kind: 'prompt' }),
    usageEvent({ time, subject: ws.id }, { quantity: 700, model: 'big', kind: 'completion' }),
    usageEvent({ time }, { quantity: 1_000, model: 'small', kind: 'prompt' }),
  ]);
  const csv = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage/report?format=csv`, headers: bearer(admin) });
  assert.equal(csv.statusCode, 200);
  assert.equal(csv.headers['content-disposition'], `attachment; filename="usage-umbrella-corp-${thisPeriod}.csv"`);
  const [header, ...rows] = csv.body.trim().split('\n').map((l) => l.split(','));
  assert.equal(rows.length, 3, 'one row per line of usage, and nothing else');
  const col = (name: string) => header!.indexOf(name);
  assert.ok(rows.every((r) => r[col('meter')] === 'llm.tokens' && r[col('tenant')] === 'Umbrella Corp' && r[col('tenant_id')] === tenant.id));
  assert.deepEqual(rows.map((r) => r[col('workspace')]).sort(), ['', 'beta', 'beta']);
  const sum = rows.reduce((s, r) => s.add(r[col('cost_usd')]!), new Decimal(0));
  assert.equal(sum.toString(), '0.0161');
});

test('a month that has not begun is refused with a 400 naming the latest month', async () => {
  const tenant = await t.tenant();
  const future = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 3, 1)).toISOString().slice(0, 7);
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage/report?period=${future}`, headers: bearer(admin) });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, new RegExp(`${future} has not begun: the latest is ${thisPeriod}`));
  const costs = await t.app.inject({ url: `/api/v1/usage/costs?period=${future}`, headers: bearer(admin) });
  assert.equal(costs.statusCode, 400);
});

test('usage no price covers is reported with its quantity, and a price of zero is not "unpriced"', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const time = new Date(Math.max(monthStart().getTime(), Date.now() - HOUR)).toISOString();
  await postBatch(t.app, ingest, [
    usageEvent({ time }, { quantity: 5_000, model: 'mystery-9', kind: 'prompt' }),
    usageEvent({ time }, { quantity: 1_000_000, model: 'big', kind: 'prompt' }),
    usageEvent({ time, type: 'api.calls' }, { quantity: 10, route: '/r' }),
  ]);
  const r = await report(tenant.id, admin);
  assert.deepEqual(r.unpriced, ['llm.tokens']);
  assert.deepEqual(r.unpricedUsage, [{ meter: 'llm.tokens', unit: 'tokens', model: 'mystery-9', quantity: '5000' }]);
  assert.equal(r.total.cost, '3.00');
});

test('tenants are ranked by cost month-to-date, against the previous month over the same days', async () => {
  const cheap = await t.tenant('Cheap Co');
  const dear = await t.tenant('Dear Co');
  const time = new Date(Math.max(monthStart().getTime(), Date.now() - HOUR)).toISOString();
  await postBatch(t.app, await collector(t, cheap.id), [usageEvent({ time }, { quantity: 1_000_000, model: 'small', kind: 'prompt' })]);
  await postBatch(t.app, await collector(t, dear.id), [usageEvent({ time }, { quantity: 1_000_000, model: 'big', kind: 'completion' })]);
  const res = await t.app.inject({ url: '/api/v1/usage/costs', headers: bearer(admin) });
  assert.equal(res.statusCode, 200, res.body);
  const items = res.json().items as { name: string; cost: string }[];
  const mine = items.filter((i) => i.name === 'Cheap Co' || i.name === 'Dear Co');
  assert.deepEqual(mine.map((i) => [i.name, i.cost]), [['Dear Co', '15.00'], ['Cheap Co', '0.50']]);
  const costs = items.map((i) => Number(i.cost));
  assert.deepEqual(costs, [...costs].sort((a, b) => b - a), 'most expensive first');
});

test('usage reads are walled by tenant: another tenant\'s id is a 404 and its events never show', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  await postEvent(t.app, await collector(t, b.id), usageEvent({ type: 'api.calls', data: { quantity: 9 } }));
  const memberA = await t.token('member', a.id);
  for (const url of [`/api/v1/tenants/${b.id}/usage`, `/api/v1/tenants/${b.id}/usage/report`]) {
    assert.equal((await t.app.inject({ url, headers: bearer(memberA) })).statusCode, 404, url);
  }
  const own = await t.app.inject({ url: `/api/v1/tenants/${a.id}/usage?meter=api.calls`, headers: bearer(memberA) });
  assert.deepEqual(own.json().series, []);
  assert.equal((await t.app.inject({ url: '/api/v1/usage', headers: bearer(memberA) })).statusCode, 403);
  const viewer = await t.token('viewer');
  const cmp = await t.app.inject({ url: `/api/v1/usage?meter=api.calls&groupBy=tenant&tenantId=${a.id}&tenantId=${b.id}`, headers: bearer(viewer) });
  assert.equal(cmp.statusCode, 200, cmp.body);
  assert.deepEqual(cmp.json().series.map((s: { group: object; total: number }) => [s.group, s.total]), [[{ tenant: b.id }, 9]]);
});

test('the query API buckets by day in a time zone and groups by dimensions', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  // 23:30 UTC on a day is 00:30 the next day in Paris (UTC+1 in winter, +2 in summer).
  const day = new Date(Math.floor((Date.now() - 3 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR);
  const late = new Date(day.getTime() + 23.5 * HOUR);
  await postBatch(t.app, ingest, [
    usageEvent({ time: late.toISOString() }, { quantity: 10, model: 'big', kind: 'prompt' }),
    usageEvent({ time: late.toISOString() }, { quantity: 5, model: 'small', kind: 'prompt' }),
  ]);
  const from = new Date(day.getTime() - 24 * HOUR).toISOString();
  const to = new Date(day.getTime() + 48 * HOUR).toISOString();
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=llm.tokens&step=day&tz=Europe/Paris&groupBy=model&from=${from}&to=${to}`, headers: bearer(admin) });
  assert.equal(res.statusCode, 200, res.body);
  const series = res.json().series as { group: { model: string }; points: { t: string; value: number }[] }[];
  const big = series.find((s) => s.group.model === 'big')!;
  const parisMidnight = new Date(new Date(day.getTime() + 24 * HOUR).toLocaleString('sv-SE', { timeZone: 'UTC' }) + 'Z');
  assert.equal(big.points.length, 1);
  assert.equal(big.points[0]!.value, 10);
  // The bucket starts at local midnight of the next day, which is 22:00 or 23:00 UTC of `day`.
  assert.ok(Date.parse(big.points[0]!.t) < parisMidnight.getTime() && Date.parse(big.points[0]!.t) >= day.getTime() + 22 * HOUR, big.points[0]!.t);
  const bad = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?tz=Mars/Olympus`, headers: bearer(admin) });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /not a time zone/);
  const badGroup = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=api.calls&groupBy=model`, headers: bearer(admin) });
  assert.equal(badGroup.statusCode, 400);
  assert.match(badGroup.json().message, /cannot group by "model"/);
});

test('a unique_count meter defined through the API counts distinct values across hours', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const created = await t.app.inject({ method: 'POST', url: '/api/v1/meters', headers: bearer(admin), payload: { name: 'users.active', unit: 'users', aggregation: 'unique_count', uniqueBy: 'user' } });
  assert.equal(created.statusCode, 201, created.body);
  const base = Math.max(monthStart().getTime(), Date.now() - 5 * HOUR);
  await postBatch(t.app, ingest, ['ann', 'bob', 'ann', 'cy', 'bob'].map((user, i) =>
    usageEvent({ type: 'users.active', time: new Date(Math.min(base + i * 50 * 60_000, Date.now())).toISOString(), id: randomUUID() }, { quantity: 1, user })));
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=users.active&step=month`, headers: bearer(admin) });
  assert.equal(res.json().series[0].total, 3);
});

test('days in a zone with a half-hour offset start at its own midnight, not at the UTC hour before', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  // Asia/Kolkata is UTC+05:30 all year: its midnight is 18:30 UTC. Events at 18:10 and 18:50
  // UTC share a UTC hour but fall on two local days.
  const day = new Date(Math.floor((Date.now() - 4 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR);
  const before = new Date(day.getTime() + 18 * HOUR + 10 * 60_000);
  const after = new Date(day.getTime() + 18 * HOUR + 50 * 60_000);
  await postBatch(t.app, ingest, [
    usageEvent({ type: 'api.calls', time: before.toISOString(), data: { quantity: 3 } }),
    usageEvent({ type: 'api.calls', time: after.toISOString(), data: { quantity: 4 } }),
  ]);
  const from = new Date(day.getTime() - 24 * HOUR).toISOString();
  const to = new Date(day.getTime() + 48 * HOUR).toISOString();
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=api.calls&step=day&tz=Asia/Kolkata&from=${from}&to=${to}`, headers: bearer(admin) });
  assert.equal(res.statusCode, 200, res.body);
  const points = res.json().series[0].points as { t: string; value: number }[];
  const midnight = new Date(day.getTime() + 18.5 * HOUR);
  assert.deepEqual(points, [
    { t: new Date(midnight.getTime() - 24 * HOUR).toISOString(), value: 3 },
    { t: midnight.toISOString(), value: 4 },
  ]);
});

test('a window that starts and ends inside hours counts exactly the events within it', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const hour = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
  const at = (minutes: number) => new Date(hour + minutes * 60_000).toISOString();
  const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await postBatch(t.app, ingest, [10, 25, 70, 100, 115].map((m, i) => usageEvent({ id: ids[i], type: 'api.calls', time: at(m), data: { quantity: 1 + i } })));
  await refreshRollups(t.db);
  // 20 min .. 1 h 50: the events at 25, 70 and 100 minutes (2 + 3 + 4); then one of them is cancelled.
  const sum = async () => (await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=api.calls&step=hour&from=${at(20)}&to=${at(110)}`, headers: bearer(admin) })).json().series[0]?.total;
  assert.equal(await sum(), 9);
  await cancelEvent(t.db, tenant.id, { source: '/agents/test', id: ids[1]! });
  assert.equal(await sum(), 7);
});

test('distinct values are counted once across rolled-up hours and hours read from events', async () => {
  const tenant = await t.tenant();
  const ingest = await collector(t, tenant.id);
  const created = await t.app.inject({ method: 'POST', url: '/api/v1/meters', headers: bearer(admin), payload: { name: 'users.edge', unit: 'users', aggregation: 'unique_count', uniqueBy: 'user' } });
  assert.equal(created.statusCode, 201, created.body);
  const hour = Math.floor((Date.now() - 4 * HOUR) / HOUR) * HOUR;
  const at = (minutes: number) => new Date(hour + minutes * 60_000).toISOString();
  // ann in a whole hour and in the partial last hour; bob only in the partial first hour.
  await postBatch(t.app, ingest, [[5, 'bob'], [70, 'ann'], [130, 'ann']].map(([m, user]) => usageEvent({ type: 'users.edge', time: at(m as number) }, { quantity: 1, user })));
  const res = await t.app.inject({ url: `/api/v1/tenants/${tenant.id}/usage?meter=users.edge&step=day&tz=UTC&from=${at(1)}&to=${at(140)}`, headers: bearer(admin) });
  assert.equal(res.json().series[0].total, 2);
});
