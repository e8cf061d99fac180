// The database Pilothouse runs on: DATABASE_URL when set, else the embedded server under
// the data folder. Migrations are applied before anything uses it.
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';
import type { Config } from './config.ts';

export interface Database {
  url: string;
  pool: Db;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: (msg: string) => void = () => {}): Promise<Database> {
  const server = config.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pgdata') });
  const url = config.DATABASE_URL ?? server!.url;
  try {
    const { applied } = await migrate(url);
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  } catch (err) {
    await server?.stop();
    throw err;
  }
  const pool = createPool(url, 20);
  return {
    url,
    pool,
    embedded: server !== undefined,
    close: async () => {
      await pool.end();
      await server?.stop();
    },
  };
}
