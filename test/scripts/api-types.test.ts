// The console's API types are generated from the server's OpenAPI document: the committed
// file must be what the server describes now, and the console holds no hand-written copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { API_TYPES, generateApiTypes } from '../../scripts/api-types.ts';

test('console/src/lib/api-types.ts is what the server\'s OpenAPI document describes (run `node scripts/api-types.ts` when this fails)', async () => {
  const generated = await generateApiTypes();
  assert.ok(readFileSync(API_TYPES, 'utf8') === generated, 'console/src/lib/api-types.ts is stale: run `node scripts/api-types.ts` and commit it');
});

test('the generated types change when a route\'s response schema does', async () => {
  const generated = await generateApiTypes();
  assert.match(generated, /"\/api\/v1\/usage\/costs"/);
  assert.match(generated, /unpricedUsage: \{/);
});

test('no console file declares an interface of its own for an API answer', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|svelte)$/.test(name) && !p.endsWith('api-types.ts')) files.push(p);
    }
  };
  walk(new URL('../../console/src', import.meta.url).pathname);
  // The shapes the API answers with, by the field names only they carry.
  const apiFields = /\b(interface|type)\s+(?!Props\b)\w+\s*=?\s*\{[^}]*\b(tenantId|createdAt|decidedAt|budgetRemaining|costPerHour|traceId|nextCursor|catalogVersions)\s*[?]?:/;
  const offenders = files.filter((f) => apiFields.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});
