// Continuous WAL archiving for the embedded PostgreSQL: every finished WAL segment is
// gzipped into <backup dir>/wal, and archive_timeout switches segments at least that often
// when anything was written, which bounds what a lost disk can lose (the RPO). Fresh
// zero-filled segments (wal_recycle off) make a mostly empty switched segment gzip to a
// few kilobytes instead of 16 MiB.
import { join } from 'node:path';

export const DEFAULT_ARCHIVE_TIMEOUT_SECONDS = 60;

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

export const walDir = (backupDir: string) => join(backupDir, 'wal');

/** The -c settings that turn archiving on into `backupDir`/wal. */
export function archiveSettings(backupDir: string, timeoutSeconds = DEFAULT_ARCHIVE_TIMEOUT_SECONDS): Record<string, string> {
  const dir = walDir(backupDir);
  const target = `${quote(dir)}/%f.gz`;
  // Idempotent: a segment archived before (a retry after a crash) is fine when identical.
  const command = `if [ -f ${target} ]; then gzip -dc ${target} | cmp -s - %p; else gzip -c %p > ${target}.part && mv ${target}.part ${target}; fi`;
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: command,
    archive_timeout: `${timeoutSeconds}s`,
    wal_recycle: 'off',
    wal_init_zero: 'on',
  };
}

/** The -c settings of archive recovery from `backupDir`/wal, to its end or to `to`. */
export function recoverySettings(backupDir: string, to?: Date): Record<string, string> {
  const settings: Record<string, string> = {
    restore_command: `gzip -dc ${quote(walDir(backupDir))}/%f.gz > %p`,
    recovery_target_action: 'promote',
    recovery_target_timeline: 'latest',
  };
  if (to) settings.recovery_target_time = to.toISOString();
  return settings;
}
