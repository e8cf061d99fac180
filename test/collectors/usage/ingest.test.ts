// Usage ingestion over HTTP: what is stored, what is absorbed, what is refused and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CloudEvent as SdkEvent, HTTP } from 'cloudevents';
import { bearer, buildTestApp } from '../../helper.ts';
import { createWorkspace } from '../../../tenancy/workspaces.ts';
import { createMeter } from '../../../collectors/usage/meters.ts';
import { collector, eventsUrl, hoursAgo, postBatch, postEvent, usageEvent } from './fixtures.ts';

const t = await buildTestApp();
const tenant = await t.tenant();
const ingest = await collector(t, tenant.id);

async function stored(tenantId: string, where = 'true', params: unknown[] = []) {
  const { rows } = await t.db.query(`SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::text AS total FROM usage_events WHERE tenant_id = $1 AND ${where}`, [tenantId, ...params]);
  return rows[0] as { n: number; total: string };
}

test('a single event is stored once and its replay is absorbed as a duplicate', async () => {
  const ev = usageEvent({ source: '/single' }, { quantity: 42 });
  const first = await postEvent(t.app, ingest, ev);
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(first.json(), { accepted: 1, duplicates: 0, rejected: 0, duplicateIndexes: [], rejections: [] });
  const replay = await postEvent(t.app, ingest, ev);
  assert.equal(replay.statusCode, 200);
  assert.equal(replay.json().duplicates, 1);
  assert.equal(replay.json().accepted, 0);
  assert.deepEqual(await stored(tenant.id, `source = '/single'`), { n: 1, total: '42' });
});

test('events sent by the official CloudEvents SDK in structured and binary mode are accepted', async () => {
  for (const mode of ['structured', 'binary'] as const) {
    const ev = new SdkEvent({ source: '/sdk', type: 'api.calls', id: `sdk-${mode}`, datacontenttype: 'application/json', data: { quantity: 3, route: '/v1/x' } });
    const msg = mode === 'structured' ? HTTP.structured(ev) : HTTP.binary(ev);
    const res = await t.app.inject({
      method: 'POST', url: eventsUrl(ingest), headers: { ...bearer(ingest.token), ...(msg.headers as Record<string, string>) }, payload: msg.body as string,
    });
    assert.equal(res.statusCode, 200, `${mode}: ${res.body}`);
    assert.equal(res.json().accepted, 1, mode);
  }
  const { rows } = await t.db.query(`SELECT event_id, dimensions FROM usage_events WHERE source = '/sdk' ORDER BY event_id`);
  assert.deepEqual(rows, [{ event_id: 'sdk-binary', dimensions: { route: '/v1/x' } }, { event_id: 'sdk-structured', dimensions: { route: '/v1/x' } }]);
});

test('a batch stores its valid events and reports each invalid one by index, with its reason', async () => {
  const events = [
    usageEvent({ source: '/mixed' }, { quantity: 1 }),
    usageEvent({ source: '/mixed', type: 'gpu.hours' }),
    usageEvent({ source: '/mixed' }, { quantity: 2 }),
    usageEvent({ source: '/mixed' }, { quantity: 'ten' }),
  ];
  const res = await postBatch(t.app, ingest, events);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.accepted, 2);
  assert.equal(body.rejected, 2);
  assert.deepEqual(body.rejections.map((r: { index: number; reason: string }) => [r.index, r.reason]), [[1, 'unknown_meter'], [3, 'invalid_quantity']]);
  assert.equal(body.rejections[0].id, events[1]!.id);
  assert.deepEqual(await stored(tenant.id, `source = '/mixed'`), { n: 2, total: '3' });
});

test('a replay inside one batch counts once', async () => {
  const ev = usageEvent({ source: '/in-batch' }, { quantity: 5 });
  const res = await postBatch(t.app, ingest, [ev, ev, usageEvent({ source: '/in-batch' }, { quantity: 1 }), ev]);
  assert.deepEqual({ a: res.json().accepted, d: res.json().duplicates, idx: res.json().duplicateIndexes }, { a: 2, d: 2, idx: [1, 3] });
  assert.deepEqual(await stored(tenant.id, `source = '/in-batch'`), { n: 2, total: '6' });
});

test('every rejection reason is reported with a message saying what to fix, and nothing is stored', async () => {
  const other = await t.tenant();
  const foreignWs = await createWorkspace(t.db, { tenantId: other.id, name: 'theirs', region: 'eu-west-1' });
  const now = Date.now();
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown_meter', usageEvent({ type: 'gpu.hours' }), /unknown meter "gpu\.hours"/],
    ['invalid_quantity', usageEvent({ data: { model: 'm', kind: 'prompt' } }), /quantity is missing/],
    ['invalid_quantity', usageEvent({}, { quantity: '12' }), /quantity must be a number/],
    ['too_old', usageEvent({ time: new Date(now - 36 * 24 * 3600_000).toISOString() }), /more than 35 days in the past/],
    ['in_future', usageEvent({ time: new Date(now + 6 * 60_000).toISOString() }), /more than 5 minutes in the future/],
    ['unknown_subject', usageEvent({ subject: randomUUID() }), /not a workspace of this tenant/],
    ['unknown_subject', usageEvent({ subject: foreignWs.id }), /not a workspace of this tenant/],
    ['unknown_subject', usageEvent({ subject: 'not-a-uuid' }), /not a workspace of this tenant/],
    ['negative_quantity', usageEvent({ type: 'api.calls.max' }), /.*/],
    ['malformed', usageEvent({ specversion: '0.3' }), /specversion must be "1\.0"/],
    ['malformed', (() => { const e: Record<string, unknown> = usageEvent(); delete e.source; return e; })(), /missing "source"/],
    ['malformed', usageEvent({ Tenant: 'x' }), /unknown attribute "Tenant"/],
    ['malformed', usageEvent({}, { nested: { a: 1 } }), /data\.nested must be a string, number or boolean/],
    ['malformed', usageEvent({ time: 'yesterday' }), /time/],
  ];
  // a max meter, to show that only sum meters take negative quantities
  await createMeter(t.db, { name: 'api.calls.max', unit: 'calls', aggregation: 'max' });
  (cases[8]![1] as { data: Record<string, unknown> }).data = { quantity: -1 };
  cases[8]![2] = /only sum meters take negative corrections/;
  const before = await stored(tenant.id);
  const res = await postBatch(t.app, ingest, cases.map((c) => c[1]));
  assert.equal(res.statusCode, 200, res.body);
  const rejections = res.json().rejections as { index: number; reason: string; message: string }[];
  assert.equal(res.json().rejected, cases.length);
  cases.forEach(([reason, , message], i) => {
    assert.equal(rejections[i]!.index, i);
    assert.equal(rejections[i]!.reason, reason, `case ${i}: ${rejections[i]!.message}`);
    assert.match(rejections[i]!.message, message, `case ${i}`);
  });
  assert.deepEqual(await stored(tenant.id), before);
});

test('a subject that is a workspace of this tenant is accepted', async () => {
  const ws = await createWorkspace(t.db, { tenantId: tenant.id, name: 'mine', region: 'eu-west-1' });
  const res = await postEvent(t.app, ingest, usageEvent({ subject: ws.id.toUpperCase(), source: '/subject' }));
  assert.equal(res.json().accepted, 1, res.body);
  const { rows } = await t.db.query(`SELECT subject FROM usage_events WHERE source = '/subject'`);
  assert.equal(rows[0].subject, ws.id);
});

test('a single rejected event is a 400 naming the reason, and nothing is stored', async () => {
  const before = await stored(tenant.id);
  const res = await postEvent(t.app, ingest, usageEvent({ time: new Date(Date.now() + 3600_000).toISOString() }));
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /in the future/);
  assert.equal(res.json().rejections[0].reason, 'in_future');
  assert.deepEqual(await stored(tenant.id), before);
});

test('a batch of more than 1,000 events or over 1 MiB is refused with 413', async () => {
  const many = Array.from({ length: 1001 }, () => usageEvent({ source: '/big' }));
  const res = await postBatch(t.app, ingest, many);
  assert.equal(res.statusCode, 413);
  assert.match(res.json().message, /at most 1000/);
  const heavy = Array.from({ length: 900 }, () => usageEvent({ source: '/heavy' }, { note: 'x'.repeat(1200) }));
  const res2 = await postBatch(t.app, ingest, heavy);
  assert.equal(res2.statusCode, 413);
  assert.deepEqual(await stored(tenant.id, `source IN ('/big', '/heavy')`), { n: 0, total: '0' });
});

test('JSON without CloudEvents headers is refused with the ways to send usage', async () => {
  const res = await t.app.inject({ method: 'POST', url: eventsUrl(ingest), headers: { ...bearer(ingest.token), 'content-type': 'application/json' }, payload: { quantity: 1 } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /application\/cloudevents\+json/);
});

test('the tenant is the one the URL names, whatever the event says', async () => {
  const other = await t.tenant();
  const ev = usageEvent({ source: '/wall', tenantid: other.id, tenant: other.id });
  assert.equal((await postEvent(t.app, ingest, ev)).statusCode, 200);
  assert.equal((await stored(other.id)).n, 0);
  assert.equal((await stored(tenant.id, `source = '/wall'`)).n, 1);
});

test('the same source and id in two tenants are two events', async () => {
  const other = await t.tenant();
  const otherIngest = await collector(t, other.id);
  const ev = usageEvent({ source: '/shared-id' });
  assert.equal((await postEvent(t.app, ingest, ev)).json().accepted, 1);
  assert.equal((await postEvent(t.app, otherIngest, ev)).json().accepted, 1);
});

test('no credential a tenant holds or can mint may ingest usage, its ingest tokens included', async () => {
  for (const role of ['owner', 'admin', 'member', 'ingest'] as const) {
    const res = await postEvent(t.app, { token: await t.token(role, tenant.id), tenantId: tenant.id }, usageEvent());
    assert.equal(res.statusCode, 403, role);
    assert.match(res.json().message, /does not grant usage:ingest/);
  }
  for (const role of ['sre', 'viewer'] as const) {
    assert.equal((await postEvent(t.app, { token: await t.token(role), tenantId: tenant.id }, usageEvent())).statusCode, 403, role);
  }
  const anon = await t.app.inject({ method: 'POST', url: eventsUrl(ingest), headers: { 'content-type': 'application/cloudevents+json' }, payload: JSON.stringify(usageEvent()) });
  assert.equal(anon.statusCode, 401);
});

test('ingestion counters are exposed on /metrics', async () => {
  await postBatch(t.app, ingest, [usageEvent({ type: 'nope' }), usageEvent({}, { latency_ms: 900 })]);
  const text = (await t.app.inject({ url: '/metrics' })).body;
  assert.match(text, /pilothouse_usage_events_total\{result="rejected",reason="unknown_meter"\} [1-9]/);
  assert.match(text, /pilothouse_usage_events_total\{result="accepted",reason=""\} [1-9]/);
  assert.match(text, /pilothouse_usage_batch_commit_duration_seconds_count [1-9]/);
  assert.match(text, /pilothouse_llm_tokens_total\{model="claude-sonnet-4",kind="prompt"\} [1-9]/);
  assert.match(text, /pilothouse_llm_request_duration_seconds_count\{model="claude-sonnet-4"\} [1-9]/);
});

test('late events up to 35 days old are stored in their own month partition', async () => {
  const old = hoursAgo(34 * 24);
  const res = await postEvent(t.app, ingest, usageEvent({ source: '/late', time: old.toISOString() }));
  assert.equal(res.json().accepted, 1, res.body);
  const { rows } = await t.db.query(`SELECT tableoid::regclass::text AS part FROM usage_events WHERE source = '/late'`);
  const month = `${old.getUTCFullYear()}${String(old.getUTCMonth() + 1).padStart(2, '0')}`;
  assert.equal(rows[0].part, `usage_events_${month}`);
});
