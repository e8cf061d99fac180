// Price catalogue files: the shipped default is valid; loading is idempotent; a changed
// catalogue under an old version is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '../../helper.ts';
import { listCatalogs, loadCatalogFile, parseCatalog } from '../../../collectors/cost/catalog-store.ts';
import { DEFAULT_CATALOG } from '../../../collectors/usage/jobs.ts';

const t = await buildTestApp();

test('the shipped default catalogue loads once; loading it again changes nothing', async () => {
  assert.deepEqual(await loadCatalogFile(t.db, DEFAULT_CATALOG), { added: true, version: 'default-2026-12' });
  assert.deepEqual(await loadCatalogFile(t.db, DEFAULT_CATALOG), { added: false, version: 'default-2026-12' });
  assert.equal((await listCatalogs(t.db)).length, 1);
});

test('a file that changes the prices of a stored version is refused with what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  const path = join(dir, 'prices.yaml');
  writeFileSync(path, readFileSync(DEFAULT_CATALOG, 'utf8').replace('unitPrice: "15.00"', 'unitPrice: "16.00"'));
  await assert.rejects(loadCatalogFile(t.db, path), /already stored with other prices; give the changed catalogue a new version/);
});

test('an invalid catalogue is refused with the problem named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'version: x\neffectiveFrom: "2026-01-01T00:00:00Z"\ncurrency: USD\nprices:\n  - meter: api.calls\n');
  await assert.rejects(loadCatalogFile(t.db, path), /exactly one of unitPrice \(flat\) or tiers \(graduated\)/);
});

test('the shipped default catalogue prices every model and token kind the demo fleet\'s agents report', async () => {
  const { MODELS } = await import('../../../sandbox/traffic/signals.ts');
  const { priceFor } = await import('../../../collectors/cost/catalog.ts');
  const { parse } = await import('yaml');
  const catalog = parseCatalog(parse(readFileSync(DEFAULT_CATALOG, 'utf8')));
  const missing = MODELS.flatMap((m) => ['prompt', 'completion', 'cache_read', 'cache_write'].filter((kind) => !priceFor(catalog, 'llm.tokens', { model: m.name, kind })).map((kind) => `${m.name} ${kind}`));
  assert.deepEqual(missing, []);
});
