// Copying a live PostgreSQL data folder: files may change or vanish while they are read
// (the base backup protocol expects that; WAL replay repairs it), so a file gone by the
// time it is copied is skipped, not an error. Ownership and modes are kept when root.
import { chown, copyFile, lstat, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Contents PostgreSQL's own base backups leave out (see "Making a Base Backup Using the Low
// Level API"): recreated at start, or meaningless in a copy.
const SKIP_CONTENTS = new Set(['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label.old', 'recovery.signal', 'standby.signal']);

const gone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
const asRoot = process.getuid?.() === 0;

export interface CopyStats { files: number; bytes: number }

/** Copies `from` into `to` (created), leaving out what a base backup leaves out at the top. */
export async function copyDataFolder(from: string, to: string, opts: { top?: boolean; concurrency?: number } = {}): Promise<CopyStats> {
  const stats: CopyStats = { files: 0, bytes: 0 };
  const queue: Array<() => Promise<void>> = [];
  async function walk(src: string, dst: string, top: boolean): Promise<void> {
    const st = await lstat(src);
    await mkdir(dst, { recursive: true, mode: st.mode & 0o7777 });
    if (asRoot) await chown(dst, st.uid, st.gid);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(src, { withFileTypes: true });
    } catch (err) {
      if (gone(err)) return;
      throw err;
    }
    for (const e of entries) {
      const s = join(src, e.name);
      const d = join(dst, e.name);
      if (top && SKIP_FILES.has(e.name)) continue;
      if (e.name.startsWith('pgsql_tmp')) continue;
      if (e.isDirectory()) {
        if (top && SKIP_CONTENTS.has(e.name)) {
          const dst2 = await lstat(s).catch(() => undefined);
          if (dst2) { await mkdir(d, { recursive: true, mode: dst2.mode & 0o7777 }); if (asRoot) await chown(d, dst2.uid, dst2.gid); }
          continue;
        }
        await walk(s, d, false);
      } else if (e.isSymbolicLink()) {
        await symlink(await readlink(s), d);
      } else if (e.isFile()) {
        queue.push(async () => {
          try {
            const fst = await lstat(s);
            await copyFile(s, d);
            if (asRoot) await chown(d, fst.uid, fst.gid);
            await utimes(d, fst.atime, fst.mtime);
            stats.files++;
            stats.bytes += fst.size;
          } catch (err) {
            if (!gone(err)) throw err;
          }
        });
      }
    }
  }
  // Parents with default modes: a recursive mkdir would give them the data folder's 0700.
  await mkdir(dirname(to), { recursive: true });
  await walk(from, to, opts.top ?? true);
  const workers = Array.from({ length: opts.concurrency ?? 8 }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  });
  await Promise.all(workers);
  return stats;
}
