// The database Pilothouse runs on: DATABASE_URL when set, else the embedded server under
// the data folder. Migrations are applied before anything uses it.
import { join } from 'node:path';
import { chown, mkdir } from 'node:fs/promises';
import { postgresIds, startEmbeddedPostgres } from '../db/embedded.ts';
import { archiveSettings, walDir } from '../db/backup/wal-archive.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';
import type { Config } from './config.ts';

export interface Database {
  url: string;
  pool: Db;
  embedded: boolean;
  close(): Promise<void>;
}

export const embeddedDataDir = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'pgdata');
export const embeddedPasswordFile = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'pgdata.password');

/** The embedded server's settings: WAL archiving into the backup folder unless turned off. */
async function embeddedSettings(config: Config): Promise<Record<string, string>> {
  if (!config.PILOTHOUSE_WAL_ARCHIVE) return {};
  const dir = walDir(config.backupDir);
  await mkdir(dir, { recursive: true });
  // archive_command runs as the server's user.
  const ids = postgresIds();
  if (ids) await chown(dir, ids.uid, ids.gid);
  return archiveSettings(config.backupDir, config.PILOTHOUSE_WAL_ARCHIVE_TIMEOUT_SECONDS);
}

export async function openDatabase(config: Config, log: (msg: string) => void = () => {}): Promise<Database> {
  const server = config.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: embeddedDataDir(config), settings: await embeddedSettings(config) });
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
