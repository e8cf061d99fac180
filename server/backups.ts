// Backups of the embedded PostgreSQL, wired to the configuration: `pilothouse backup`,
// `backup list`, `restore`, and the scheduled base backup of a running server. With
// DATABASE_URL the database is someone else's to back up (CloudNativePG: deploy/README.md).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import cron from 'node-cron';
import type { Config } from './config.ts';
import { embeddedDataDir, embeddedPasswordFile } from './database.ts';
import { listBackups, pruneBackups, takeBaseBackup, type BackupInfo } from '../db/backup/base-backup.ts';
import { restore, type RestoreResult } from '../db/backup/restore.ts';
import { walDir } from '../db/backup/wal-archive.ts';

export class BackupConfigError extends Error {}

function embeddedOnly(config: Config): void {
  if (config.DATABASE_URL) throw new BackupConfigError('DATABASE_URL is set: back up that database where it runs (for CloudNativePG, see deploy/README.md); these commands back up the embedded PostgreSQL');
}

/** A base backup now, then pruning to PILOTHOUSE_BACKUP_KEEP. */
export async function backupNow(config: Config, url: string): Promise<BackupInfo & { pruned: string[] }> {
  embeddedOnly(config);
  const info = await takeBaseBackup({ url, dataDir: embeddedDataDir(config), backupDir: config.backupDir, passwordFile: embeddedPasswordFile(config) });
  const pruned = await pruneBackups(config.backupDir, config.PILOTHOUSE_BACKUP_KEEP);
  return { ...info, pruned: pruned.backups };
}

export interface BackupListing {
  dir: string;
  backups: BackupInfo[];
  wal: { files: number; bytes: number; newest: string | null };
}

export async function backupList(config: Config): Promise<BackupListing> {
  const files = await readdir(walDir(config.backupDir)).catch(() => [] as string[]);
  let bytes = 0;
  let newest = 0;
  for (const f of files.filter((x) => x.endsWith('.gz'))) {
    const s = await stat(join(walDir(config.backupDir), f));
    bytes += s.size;
    newest = Math.max(newest, s.mtimeMs);
  }
  return { dir: config.backupDir, backups: await listBackups(config.backupDir), wal: { files: files.filter((x) => x.endsWith('.gz')).length, bytes, newest: newest ? new Date(newest).toISOString() : null } };
}

export async function restoreEmbedded(config: Config, to: Date | undefined, log: (m: string) => void): Promise<RestoreResult> {
  embeddedOnly(config);
  return restore({ dataDir: embeddedDataDir(config), backupDir: config.backupDir, passwordFile: embeddedPasswordFile(config), to, archiveTimeoutSeconds: config.PILOTHOUSE_WAL_ARCHIVE_TIMEOUT_SECONDS, log });
}

/** The scheduled base backup of a running server on the embedded PostgreSQL. */
export function startBackupSchedule(config: Config, url: string, log: { info(o: object, m: string): void; error(o: object, m: string): void }): { stop(): void } | undefined {
  if (config.DATABASE_URL || config.PILOTHOUSE_BACKUP_SCHEDULE === 'off') return undefined;
  if (!cron.validate(config.PILOTHOUSE_BACKUP_SCHEDULE)) throw new BackupConfigError(`PILOTHOUSE_BACKUP_SCHEDULE="${config.PILOTHOUSE_BACKUP_SCHEDULE}" is not a cron expression (or off)`);
  let running: Promise<void> | undefined;
  const run = () => (running ??= (async () => {
    try {
      const info = await backupNow(config, url);
      log.info({ backup: info.id, bytes: info.bytes, pruned: info.pruned }, 'base backup done');
    } catch (err) {
      log.error({ err }, 'base backup failed');
    } finally {
      running = undefined;
    }
  })());
  const task = cron.schedule(config.PILOTHOUSE_BACKUP_SCHEDULE, run, { name: 'base-backup', timezone: 'UTC', noOverlap: true });
  // Archived WAL restores nothing without a base backup before it, and a fresh cluster's
  // first WAL segment is not switched by archive_timeout until one is taken (seen on
  // PostgreSQL 18): so the first backup is taken right after start, not at the schedule.
  const first = setTimeout(() => {
    void listBackups(config.backupDir).then((b) => (b.length === 0 ? run() : undefined));
  }, 2_000);
  first.unref();
  return { stop: () => { clearTimeout(first); void task.stop(); } };
}
