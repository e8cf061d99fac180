// A restore drill on the embedded PostgreSQL, as an operator would run it: usage written
// through the API, a base backup (`pilothouse backup`), more usage while WAL is archived,
// then the server and its PostgreSQL are killed and the data folder destroyed (the disk is
// lost; the backup folder is another volume). `pilothouse restore` and `pilothouse start`
// bring it back; every batch is sent again, and the receiver's duplicate count says which
// ones came back. RPO: from the newest batch recovered to the kill; RTO: kill to ready.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startPilothouse, type RunningProcess } from '../process.ts';

const ARCHIVE_TIMEOUT_S = 5;
const root = mkdtempSync(join(tmpdir(), 'pilothouse-drill-'));
chmodSync(root, 0o755);
const dataDir = join(root, 'data');
const backupDir = join(root, 'backups');
const env: NodeJS.ProcessEnv = {
  ...process.env, PILOTHOUSE_DATA_DIR: dataDir, PILOTHOUSE_BACKUP_DIR: backupDir, PORT: '0', LOG_LEVEL: 'warn',
  PILOTHOUSE_DEMO: 'off', PILOTHOUSE_CONTROLLERS: 'off', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_BACKUP_SCHEDULE: 'off',
  PILOTHOUSE_WAL_ARCHIVE_TIMEOUT_SECONDS: String(ARCHIVE_TIMEOUT_S),
};
delete env.DATABASE_URL;
delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
let server: RunningProcess | undefined;
after(async () => {
  await server?.stop('SIGKILL');
  killPostmaster();
  rmSync(root, { recursive: true, force: true });
});

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `pilothouse ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function killPostmaster(): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
  } catch { /* not running */ }
}

interface Batch { events: unknown[]; ackedAt: number }

test('restore after losing the data folder brings back what was archived: RPO within archive_timeout, RTO under 5 minutes', async (t) => {
  server = await startPilothouse(env, 60_000);
  const tenant = cli('tenant', 'create', 'drill');
  const token = cli('token', 'create', '--platform', '--role', 'collector');
  let n = 0;
  const post = async (events: unknown[]) => fetch(`${server!.base}/api/v1/tenants/${tenant}/events`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(events),
  });
  const write = async (): Promise<Batch> => {
    const b = ++n;
    const events = Array.from({ length: 10 }, (_, i) => ({ specversion: '1.0', id: `drill-${b}-${i}`, source: '/drill', type: 'api.calls', time: new Date().toISOString(), data: { quantity: 1 } }));
    const res = await post(events);
    assert.equal(res.status, 200, await res.text());
    return { events, ackedAt: Date.now() };
  };
  const batches: Batch[] = [];
  for (let i = 0; i < 10; i++) batches.push(await write());
  const backup = JSON.parse(cli('backup'));
  assert.ok(backup.files > 100 && backup.stopLsn, JSON.stringify(backup));
  const beforeBackup = batches.length;
  // Writes go on for well past two archive timeouts.
  const until = Date.now() + ARCHIVE_TIMEOUT_S * 2_500;
  while (Date.now() < until) {
    batches.push(await write());
    await new Promise((ok) => setTimeout(ok, 250));
  }
  const listing = JSON.parse(cli('backup', 'list'));
  assert.deepEqual(listing.backups.map((b: { id: string }) => b.id), [backup.id]);
  assert.ok(listing.wal.files >= 2, `archived WAL segments: ${listing.wal.files}`);

  // The failure: process and PostgreSQL killed, then the data folder is gone.
  const killedAt = Date.now();
  await server.stop('SIGKILL');
  killPostmaster();
  rmSync(dataDir, { recursive: true, force: true });

  const restored = JSON.parse(cli('restore'));
  assert.equal(restored.backup.id, backup.id);
  server = await startPilothouse(env, 120_000);
  const rtoMs = Date.now() - killedAt;

  // Which batches came back: the receiver counts the replayed ones as duplicates.
  const back: boolean[] = [];
  for (const b of batches) {
    const res = await post(b.events);
    const body = await res.json() as { duplicates: number; accepted: number };
    assert.ok(body.duplicates === 10 || body.accepted === 10, `a batch comes back whole or not at all: ${JSON.stringify(body)}`);
    back.push(body.duplicates === 10);
  }
  const recovered = back.lastIndexOf(true) + 1;
  assert.ok(back.slice(0, recovered).every(Boolean), 'what came back is every batch up to a point, with no holes');
  assert.ok(recovered >= beforeBackup, 'everything before the base backup came back');
  const newestRecoveredAt = recovered > 0 ? batches[recovered - 1]!.ackedAt : 0;
  const rpoMs = killedAt - newestRecoveredAt;
  t.diagnostic(`restore drill: ${recovered} of ${batches.length} acknowledged batches recovered (${batches.length - recovered} lost); RPO ${(rpoMs / 1000).toFixed(1)} s with archive_timeout ${ARCHIVE_TIMEOUT_S} s; RTO ${(rtoMs / 1000).toFixed(1)} s (restore ${(restored.ms / 1000).toFixed(1)} s)`);
  assert.ok(rpoMs <= (ARCHIVE_TIMEOUT_S + 2) * 1000, `RPO ${rpoMs} ms`);
  assert.ok(rtoMs < 300_000, `RTO ${rtoMs} ms`);
  assert.ok(recovered > beforeBackup, 'WAL archived after the base backup was replayed');
});
