// Plain ordered SQL files under db/migrations, applied under PostgreSQL's advisory lock so
// that replicas starting together apply each migration once. Landed files are never edited:
// each applied file's SHA-256 is recorded, and a changed one stops the start.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export interface MigrateResult {
  applied: string[];
}

export class EditedMigrationError extends Error {}

function checksums(): Map<string, string> {
  return new Map(
    readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => [f.replace(/\.sql$/, ''), createHash('sha256').update(readFileSync(join(MIGRATIONS_DIR, f))).digest('hex')]),
  );
}

// Replicas verify together after the runner has released its lock, and CREATE TABLE IF NOT
// EXISTS is not safe against a concurrent twin (the second fails on the row type), so the
// check runs in one transaction under its own advisory lock.
async function verifyChecksums(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('pilothouse.schema_migration_checksums'))`);
    await recordAndCompare(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

async function recordAndCompare(client: pg.Client): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migration_checksums (name text PRIMARY KEY, sha256 text NOT NULL)`);
  const files = checksums();
  const { rows } = await client.query(`SELECT m.name, c.sha256 FROM schema_migrations m LEFT JOIN schema_migration_checksums c USING (name)`);
  for (const { name, sha256 } of rows) {
    const now = files.get(name);
    if (sha256 && now && sha256 !== now) {
      throw new EditedMigrationError(`migration ${name}.sql was edited after it was applied: restore it and put the change in a new migration file`);
    }
    if (!sha256 && now) {
      await client.query(`INSERT INTO schema_migration_checksums (name, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [name, now]);
    }
  }
}

export async function migrate(url: string, log: (msg: string) => void = () => {}): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const done = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: 'schema_migrations',
      direction: 'up',
      count: Infinity,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
    await verifyChecksums(client);
    return { applied: done.map((m) => m.name) };
  } finally {
    await client.end();
  }
}
