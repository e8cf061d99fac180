// Restore of the embedded PostgreSQL: the newest base backup finished before the target,
// copied in place of the data folder (the old one is kept aside, never deleted), then
// archive recovery from the archived WAL to the target time or to the end of the archive,
// and promotion. The server is stopped again afterwards; `pilothouse start` runs on it.
import { copyFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runningPort, startEmbeddedPostgres } from '../embedded.ts';
import { copyDataFolder } from './copy.ts';
import { baseDir, listBackups, writeOwned, type BackupInfo } from './base-backup.ts';
import { archiveSettings, recoverySettings } from './wal-archive.ts';

export interface RestoreResult {
  backup: BackupInfo;
  /** where the data folder that was replaced now is, if there was one */
  keptAside?: string;
  /** the newest commit replayed, when PostgreSQL knows it */
  recoveredTo: string | null;
  ms: number;
}

export class RestoreError extends Error {}

export async function restore(o: { dataDir: string; backupDir: string; passwordFile: string; to?: Date; archiveTimeoutSeconds?: number; log?: (m: string) => void }): Promise<RestoreResult> {
  const started = performance.now();
  const log = o.log ?? (() => {});
  if (await runningPort(o.dataDir) !== undefined) throw new RestoreError(`PostgreSQL is running on ${o.dataDir}: stop Pilothouse before restoring`);
  const candidates = (await listBackups(o.backupDir)).filter((b) => !o.to || new Date(b.finishedAt) <= o.to);
  const backup = candidates.at(-1);
  if (!backup) throw new RestoreError(o.to ? `no base backup finished before ${o.to.toISOString()} in ${o.backupDir}` : `no base backup in ${o.backupDir}: run \`pilothouse backup\` first`);
  let keptAside: string | undefined;
  if (existsSync(o.dataDir)) {
    keptAside = `${o.dataDir}.before-restore-${new Date().toISOString().replace(/[-:.]/g, '')}`;
    await rename(o.dataDir, keptAside);
    log(`kept the current data folder as ${keptAside}`);
  }
  const source = join(baseDir(o.backupDir), backup.id);
  await copyDataFolder(join(source, 'data'), o.dataDir, { top: false });
  if (!existsSync(o.passwordFile) && existsSync(join(source, 'password'))) await copyFile(join(source, 'password'), o.passwordFile);
  await writeOwned(join(o.dataDir, 'recovery.signal'), '');
  log(`restoring base backup ${backup.id}, then WAL ${o.to ? `up to ${o.to.toISOString()}` : 'to the end of the archive'}`);
  const lines: string[] = [];
  const server = await startEmbeddedPostgres({
    dataDir: o.dataDir,
    onLog: (line) => { lines.push(String(line).trim()); if (lines.length > 40) lines.shift(); },
    settings: { ...archiveSettings(o.backupDir, o.archiveTimeoutSeconds), ...recoverySettings(o.backupDir, o.to) },
  }).catch((err: Error) => {
    throw new RestoreError(`${err.message}; PostgreSQL said:\n  ${lines.filter(Boolean).slice(-12).join('\n  ')}`);
  });
  let recoveredTo: string | null = null;
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      for (;;) {
        const { rows } = await client.query<{ recovering: boolean; replayed: Date | null }>(`SELECT pg_is_in_recovery() AS recovering, pg_last_xact_replay_timestamp() AS replayed`);
        if (rows[0]!.replayed) recoveredTo = rows[0]!.replayed.toISOString();
        if (!rows[0]!.recovering) break;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
  return { backup, keptAside, recoveredTo, ms: Math.round(performance.now() - started) };
}
