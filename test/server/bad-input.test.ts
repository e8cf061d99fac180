// Every write route refuses malformed JSON, wrong types, unknown fields and oversized bodies
// with a 4xx that explains itself, and the database is exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../helper.ts';
import { fillUrl, snapshot as snapshotOf, tokenFor as tokenOf, writeRoutes } from './route-walk.ts';

const t = await buildTestApp();
const admin = await t.token('admin');
const tenant = await t.tenant();
// Use the token once now: its last-used time is then recorded, and stays put for a minute.
await t.app.inject({ url: '/api/v1/me', headers: bearer(admin) });
// Routes acting in the caller's own tenant (ingestion) refuse platform tokens before reading
// the body, so they are tried with a tenant token that may use them.
const ingest = await t.token('ingest', tenant.id);
await t.app.inject({ url: '/api/v1/me', headers: bearer(ingest) });
const tokenFor = (r: Parameters<typeof tokenOf>[0]) => tokenOf(r, { platform: admin, tenant: ingest });
const writes = writeRoutes(t.app.routeAuth);
const snapshot = () => snapshotOf(t.db);
const url = (u: string) => fillUrl(u, tenant.id);

const CASES: { name: string; body: string; contentType?: string; statuses: number[] }[] = [
  { name: 'malformed JSON', body: '{"name": ', statuses: [400] },
  { name: 'a JSON array where an object belongs', body: '[1, 2]', statuses: [400] },
  { name: 'wrong types', body: JSON.stringify({ name: 42, role: 7, region: false, plan: [] }), statuses: [400] },
  { name: 'an unknown field', body: JSON.stringify({ definitelyNotAField: 1 }), statuses: [400] },
  { name: 'an unsupported content type', body: 'name=x', contentType: 'application/x-www-form-urlencoded', statuses: [400, 415] },
];

test('write routes exist to check', () => {
  assert.ok(writes.length >= 8, `found ${writes.length} write routes`);
});

for (const c of CASES) {
  test(`every write route refuses ${c.name} and changes nothing`, async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const r of writes) {
      const res = await t.app.inject({
        method: r.method as never, url: url(r.url), headers: { ...bearer(tokenFor(r)), 'content-type': c.contentType ?? 'application/json' }, payload: c.body,
      });
      const message = res.headers['content-type']?.includes('json') ? res.json().message : undefined;
      if (!c.statuses.includes(res.statusCode) && !(res.statusCode === 404 && /not found/.test(message ?? ''))) {
        failures.push(`${r.method} ${r.url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      } else if (typeof message !== 'string' || message.length < 10) {
        failures.push(`${r.method} ${r.url}: no helpful message (${res.body.slice(0, 200)})`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await snapshot(), before);
  });
}

test('every write route refuses a body over its size limit with 413 and changes nothing', async () => {
  const before = await snapshot();
  const failures: string[] = [];
  for (const r of writes) {
    const limit = r.bodyLimit ?? 1024 * 1024;
    const payload = JSON.stringify({ name: 'x'.repeat(limit) });
    const res = await t.app.inject({ method: r.method as never, url: url(r.url), headers: { ...bearer(tokenFor(r)), 'content-type': 'application/json' }, payload });
    if (res.statusCode !== 413) failures.push(`${r.method} ${r.url}: ${res.statusCode}`);
    else if (!/too large/i.test(res.json().message)) failures.push(`${r.method} ${r.url}: message "${res.json().message}"`);
  }
  assert.deepEqual(failures, []);
  assert.equal(await snapshot(), before);
});

test('an unknown field is named in the error so the caller knows what to remove', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: bearer(admin), payload: { name: 'ok', colour: 'blue' } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /unknown field "colour"/);
});

test('a string where a number belongs is refused, not coerced', async () => {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/workspaces`, headers: bearer(admin), payload: { name: 'w', region: 'eu-west-1', resourceFactor: '2' } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /resourceFactor/);
});
