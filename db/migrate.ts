// Plain ordered SQL files under db/migrations, applied under PostgreSQL's advisory lock so
// that replicas starting together apply each migration once. Landed files are never edited:
// add a new file instead.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export interface MigrateResult {
  applied: string[];
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
    return { applied: done.map((m) => m.name) };
  } finally {
    await client.end();
  }
}
