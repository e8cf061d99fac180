import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../db/migrate.ts';
import { withDatabase } from '../../db/pool.ts';

async function emptyDatabase(): Promise<string> {
  const server = process.env.PILOTHOUSE_TEST_DATABASE_URL!;
  const name = `m_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return withDatabase(server, name);
}

test('four replicas migrating an empty database together apply each migration once', async () => {
  const url = await emptyDatabase();
  const results = await Promise.all([migrate(url), migrate(url), migrate(url), migrate(url)]);
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
  assert.deepEqual(results.flatMap((r) => r.applied).sort(), files);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(`SELECT name FROM schema_migrations ORDER BY name`);
  await c.end();
  assert.deepEqual(rows.map((r) => r.name), files);
});

test('replicas starting together on a database migrated before checksums were recorded all start', async () => {
  const url = await emptyDatabase();
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP TABLE schema_migration_checksums`);
  await c.end();
  const results = await Promise.all(Array.from({ length: 6 }, () => migrate(url)));
  assert.deepEqual(results.flatMap((r) => r.applied), []);
});

test('migrating an up-to-date database applies nothing', async () => {
  const url = await emptyDatabase();
  await migrate(url);
  assert.deepEqual((await migrate(url)).applied, []);
});

test('migration files are ordered by a timestamp prefix', () => {
  for (const f of readdirSync(MIGRATIONS_DIR)) assert.match(f, /^\d{14}_[a-z0-9_]+\.sql$/, f);
});

test('a migration edited after it was applied stops the start with a message', async () => {
  const url = await emptyDatabase();
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // Pretend the file changed since it was applied: the recorded checksum no longer matches.
  await c.query(`UPDATE schema_migration_checksums SET sha256 = 'x' WHERE name = (SELECT min(name) FROM schema_migration_checksums)`);
  await c.end();
  await assert.rejects(migrate(url), /was edited after it was applied: restore it and put the change in a new migration file/);
});
