// Property-based sweeps over the OpenAPI document: every write route's body and every query
// parameter fed generated hostile values (NUL, lone surrogates, huge and negative numbers,
// deep nesting, long strings, wrong types), seeded and bounded. The property: never a 5xx,
// and a 4xx changes nothing in the database (a row trigger on every table counts changes;
// a full snapshot before and after each class double-checks). The counts of inputs tried,
// per route class (the OpenAPI tag), are printed as a diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, buildTestApp } from '../helper.ts';
import { changeCounter, fillUrl, snapshot, tokenFor } from './route-walk.ts';

const SEED = Number(process.env.SWEEP_SEED ?? 20261203);
const RUNS = Number(process.env.SWEEP_RUNS ?? 30);

const t = await buildTestApp();
const admin = await t.token('admin');
const tenant = await t.tenant();
const ingest = await t.token('ingest', tenant.id);
// First use recorded now, so authenticating later writes nothing.
for (const tok of [admin, ingest]) await t.app.inject({ url: '/api/v1/me', headers: bearer(tok) });
const changes = await changeCounter(t.db);
const faroKey = (await t.app.inject({ url: '/api/v1/rum/console' })).json().apiKey as string;

type Schema = Record<string, any>;
const doc = t.app.swagger() as { paths: Record<string, Record<string, { tags?: string[]; requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: { in: string; name: string; schema?: Schema }[] }>> };
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
const operation = (method: string, url: string) => doc.paths[openApiPath(url)]?.[method.toLowerCase()];

// ---- hostile values ----------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', '%00', '%ED%A0%80', '', ' ', '\\', '"', '1e999', '-1', 'NaN', 'null', '../../etc/passwd', '<script>alert(1)</script>', "'; DROP TABLE tenants; --", '\u202e', '\ufeff'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ maxLength: 10 }).map((s) => `${s}\u0000${s}`),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, -1, 0, -0, 0.5, 1e-320, 4294967296),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const wrongType = fc.constantFrom<unknown>(null, true, false, [], {}, [[]], { a: {} }, [null], '', 0);
const leaf = fc.oneof(hostileString, hostileNumber, wrongType);
/** Raw JSON text for the deep case: nesting past any sane depth, arrays or objects. */
const deepText = fc.tuple(fc.integer({ min: 65, max: 20_000 }), fc.boolean()).map(([n, arr]) => (arr ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`));

// ---- a plausible value for a schema, so one hostile field reaches past the others --------

function plausible(s: Schema | undefined, depth = 0): unknown {
  if (!s || depth > 6) return 'x';
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return plausible(s.anyOf.find((x: Schema) => x.type !== 'null') ?? s.anyOf[0], depth + 1);
  if (s.oneOf) return plausible(s.oneOf[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((x: string) => x !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = plausible(s.properties?.[k], depth + 1);
      return out;
    }
    case 'array': return Array.from({ length: s.minItems ?? 0 }, () => plausible(s.items, depth + 1));
    case 'integer': case 'number': return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case 'boolean': return true;
    case 'string':
      if (s.format === 'uuid') return tenant.id;
      if (s.format === 'date-time') return new Date().toISOString();
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    default: return 'x';
  }
}

/** The paths of a schema's properties (to depth 3) where a hostile value can go. */
function fieldPaths(s: Schema | undefined, prefix: string[] = [], depth = 0): string[][] {
  if (!s || depth > 3) return [];
  const props = s.properties ?? s.anyOf?.find((x: Schema) => x.properties)?.properties;
  if (!props) return [];
  return Object.entries(props as Record<string, Schema>).flatMap(([k, v]) => [[...prefix, k], ...fieldPaths(v, [...prefix, k], depth + 1)]);
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const root = structuredClone(obj);
  let at: Record<string, unknown> = root;
  path.slice(0, -1).forEach((k) => {
    if (typeof at[k] !== 'object' || at[k] === null || Array.isArray(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  });
  at[path[path.length - 1]!] = value;
  return root;
}

/** A hostile body: one field of a plausible body replaced, a hostile key, the whole body hostile, or deep nesting. */
function hostileBody(schema: Schema | undefined): fc.Arbitrary<string> {
  const base = (plausible(schema) ?? {}) as Record<string, unknown>;
  const paths = fieldPaths(schema);
  const field = paths.length ? fc.tuple(fc.constantFrom(...paths), leaf).map(([p, v]) => JSON.stringify(setPath(base, p, v))) : leaf.map((v) => JSON.stringify(v));
  const key = hostileString.map((k) => JSON.stringify({ ...base, [k]: 1 }));
  const deep = paths.length ? fc.tuple(fc.constantFrom(...paths), deepText).map(([p, text]) => JSON.stringify(setPath(base, p, '__DEEP__')).replace('"__DEEP__"', text)) : deepText;
  return fc.oneof({ weight: 4, arbitrary: field }, { weight: 1, arbitrary: key }, { weight: 1, arbitrary: leaf.map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: deep });
}

// ---- the sweeps ----------------------------------------------------------------------------

/** Percent-encoding that also sends lone surrogates (as their 3-byte WTF-8 form), as a hostile client would. */
function encode(v: string): string {
  let out = '';
  for (const ch of v) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const c = ch.charCodeAt(0);
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  }
  return out;
}

const tried = new Map<string, number>();
const count = (cls: string) => tried.set(cls, (tried.get(cls) ?? 0) + 1);
const classOf = (method: string, url: string) => operation(method, url)?.tags?.[0] ?? url.split('/')[1] ?? 'other';

const writes = t.app.routeAuth.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && ('permission' in r.auth || r.url.startsWith('/collect')) && !r.url.startsWith('/auth/'));

test('every write route, fed hostile bodies, answers below 500 and a 4xx changes nothing', async () => {
  assert.ok(writes.length >= 20, `found ${writes.length} write routes`);
  const failures: string[] = [];
  const before = await snapshot(t.db);
  let wrote = false;
  for (const r of writes) {
    const op = operation(r.method, r.url);
    const schema = op?.requestBody?.content?.['application/json']?.schema;
    const type = r.url === '/api/v1/tenants/:tenantId/events' ? 'application/cloudevents-batch+json' : 'application/json';
    const headers = r.url.startsWith('/collect') ? { 'x-api-key': faroKey } : bearer(tokenFor(r, { platform: admin, tenant: ingest }));
    await fc.assert(fc.asyncProperty(hostileBody(schema), async (payload) => {
      count(classOf(r.method, r.url));
      const n = await changes();
      const res = await t.app.inject({ method: r.method as 'POST', url: fillUrl(r.url, tenant.id), headers: { ...headers, 'content-type': type }, payload });
      const where = `${r.method} ${r.url} ← ${payload.slice(0, 120)}`;
      if (res.statusCode >= 500) failures.push(`${where}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      else if (res.statusCode >= 400 && (await changes()) !== n) failures.push(`${where}: ${res.statusCode}, yet the database changed`);
      else if (res.statusCode < 300) wrote = true;
      return failures.length === 0;
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    if (failures.length) break;
  }
  assert.deepEqual(failures, []);
  if (!wrote) assert.equal(await snapshot(t.db), before);
});

test('every query parameter of every read route, fed hostile values, answers below 500 and changes nothing', async () => {
  const reads = t.app.routeAuth.filter((r) => r.method === 'GET' && !r.url.startsWith('/api/docs') && !r.url.startsWith('/auth/'));
  const failures: string[] = [];
  let params = 0;
  const n0 = await changes();
  for (const r of reads) {
    const query = (operation('GET', r.url)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    if (query.length === 0) continue;
    params += query.length;
    const value = fc.oneof(hostileString, hostileNumber.map(String), fc.constantFrom('%00', '%ff', '%ED%A0%80', '%', '%zz'));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...query), value, fc.boolean(), async (name, v, raw) => {
      count(`${classOf('GET', r.url)} (query)`);
      // raw: the value as sent on the wire, percent-escapes and all; else encoded by us.
      const q = raw && /^[\x21-\x7e]*$/.test(v) && !/[&#=]/.test(v) ? v : encode(v);
      const res = await t.app.inject({ url: `${fillUrl(r.url, tenant.id)}?${name}=${q}`, headers: bearer(admin) });
      const unconfigured = res.statusCode === 503 && /configured/i.test(res.json().message ?? '');
      if (res.statusCode >= 500 && !unconfigured) failures.push(`GET ${r.url}?${name}=${q.slice(0, 80)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      return failures.length === 0;
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    if (failures.length) break;
  }
  assert.ok(params >= 15, `found ${params} query parameters`);
  assert.deepEqual(failures, []);
  assert.equal(await changes(), n0, 'reads changed the database');
});

test('inputs tried per route class', (c) => {
  const lines = [...tried].sort(([a], [b]) => a.localeCompare(b)).map(([cls, n]) => `${cls}: ${n}`);
  for (const l of lines) c.diagnostic(l);
  c.diagnostic(`total: ${[...tried.values()].reduce((s, n) => s + n, 0)} (seed ${SEED}, ${RUNS} per route or parameter set)`);
  assert.ok(tried.size > 5);
});
