// Base backups of the embedded PostgreSQL with the low-level API (the embedded package has
// no pg_basebackup, and Debian's is too old for PostgreSQL 18): pg_backup_start on one
// session, a copy of the data folder, pg_backup_stop on the same session, whose backup_label
// goes into the copy. With the archived WAL (wal-archive.ts) the copy restores to any later
// point. Each backup is <backup dir>/base/<id>/ with data/ and backup.json.
import { chown, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { copyDataFolder, type CopyStats } from './copy.ts';
import { walDir } from './wal-archive.ts';

export interface BackupInfo {
  id: string;
  label: string;
  startedAt: string;
  finishedAt: string;
  startLsn: string;
  stopLsn: string;
  files: number;
  bytes: number;
}

export const baseDir = (backupDir: string) => join(backupDir, 'base');

/** Takes a base backup of the server at `url` whose data folder is `dataDir`. */
export async function takeBaseBackup(o: { url: string; dataDir: string; backupDir: string; passwordFile?: string; now?: Date }): Promise<BackupInfo> {
  const started = o.now ?? new Date();
  const id = started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = join(baseDir(o.backupDir), id);
  const partial = `${dir}.part`;
  await mkdir(walDir(o.backupDir), { recursive: true });
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  try {
    const label = `pilothouse ${id}`;
    const start = await client.query<{ lsn: string }>(`SELECT pg_backup_start($1, true)::text AS lsn`, [label]);
    let stats: CopyStats;
    try {
      stats = await copyDataFolder(o.dataDir, join(partial, 'data'));
    } catch (err) {
      await client.query(`SELECT pg_backup_stop(false)`).catch(() => {});
      throw err;
    }
    // wait_for_archive: the backup is usable only once its last WAL segment is archived.
    const stop = await client.query<{ lsn: string; labelfile: string; spcmapfile: string }>(`SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(true)`);
    const s = stop.rows[0]!;
    await writeOwned(join(partial, 'data', 'backup_label'), s.labelfile);
    if (s.spcmapfile) await writeOwned(join(partial, 'data', 'tablespace_map'), s.spcmapfile);
    if (o.passwordFile && existsSync(o.passwordFile)) await copyFile(o.passwordFile, join(partial, 'password'));
    const info: BackupInfo = { id, label, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), startLsn: start.rows[0]!.lsn, stopLsn: s.lsn, files: stats.files, bytes: stats.bytes };
    await writeFile(join(partial, 'backup.json'), JSON.stringify(info, null, 2) + '\n');
    await rename(partial, dir);
    return info;
  } finally {
    await client.end();
  }
}

/** Writes a file into a data folder owned, as the folder is, by the server's user. */
export async function writeOwned(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const st = await stat(dirname(path));
    await chown(path, st.uid, st.gid);
  }
}

/** Finished base backups, oldest first. */
export async function listBackups(backupDir: string): Promise<BackupInfo[]> {
  const root = baseDir(backupDir);
  if (!existsSync(root)) return [];
  const out: BackupInfo[] = [];
  for (const name of (await readdir(root)).sort()) {
    if (name.endsWith('.part')) continue;
    try {
      out.push(JSON.parse(await readFile(join(root, name, 'backup.json'), 'utf8')));
    } catch { /* not a finished backup */ }
  }
  return out.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

/** The WAL segment file name of an LSN on `timeline` (16 MiB segments). */
function segmentOf(lsn: string, timeline: number): string {
  const [hi, lo] = lsn.split('/').map((x) => parseInt(x, 16)) as [number, number];
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(hi)}${hex(Math.floor(lo / 0x1000000))}`;
}

/**
 * Keeps the newest `keep` base backups and the WAL the oldest kept one needs; the rest is
 * deleted. Returns what was removed.
 */
export async function pruneBackups(backupDir: string, keep: number): Promise<{ backups: string[]; walFiles: number }> {
  const all = await listBackups(backupDir);
  const drop = all.slice(0, Math.max(0, all.length - keep));
  for (const b of drop) await rm(join(baseDir(backupDir), b.id), { recursive: true, force: true });
  const oldest = all[drop.length];
  let walFiles = 0;
  if (oldest) {
    // Segment names sort in WAL order within a timeline; compare the log and segment part.
    const first = segmentOf(oldest.startLsn, 1).slice(8);
    for (const f of await readdir(walDir(backupDir)).catch(() => [] as string[])) {
      if (/^[0-9A-F]{24}(\.partial)?\.gz$/.test(f) && f.slice(8, 24) < first) {
        await rm(join(walDir(backupDir), f), { force: true });
        walFiles++;
      }
    }
  }
  return { backups: drop.map((b) => b.id), walFiles };
}
