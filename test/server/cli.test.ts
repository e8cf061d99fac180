// The `pilothouse` command and `npm start`, as real processes on a fresh data folder.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, startPilothouse } from '../process.ts';

const run = promisify(execFile);
const dataRoot = mkdtempSync(join(tmpdir(), 'pilothouse-cli-'));
chmodSync(dataRoot, 0o755); // the postgres user must reach its data folder inside
after(() => rmSync(dataRoot, { recursive: true, force: true }));
const env = { ...process.env, PILOTHOUSE_DATA_DIR: join(dataRoot, 'data'), LOG_LEVEL: 'warn', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_DEMO: 'off' };
delete (env as Record<string, unknown>).DATABASE_URL;

const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env });

test('--help lists the commands', async () => {
  const { stdout } = await cli('--help');
  for (const word of ['start', 'migrate', 'tenant', 'token']) assert.match(stdout, new RegExp(`\\b${word}\\b`));
});

let tenantId = '';
test('tenant create on a stopped server prints only the new id', async () => {
  const { stdout } = await cli('tenant', 'create', 'Umbrella');
  assert.match(stdout, /^[0-9a-f-]{36}\n$/);
  tenantId = stdout.trim();
});

test('token create refuses a role that does not fit the scope, with a message', async () => {
  await assert.rejects(cli('token', 'create', '--tenant', tenantId, '--role', 'sre'), (e: { stderr: string; code: number }) =>
    e.code === 1 && /--role must be one of owner, admin, member, ingest/.test(e.stderr));
  await assert.rejects(cli('token', 'create', '--role', 'admin'), /exactly one of --tenant ID or --platform/);
});

test('while npm start runs, the CLI works against the same database and the server accepts its token', async () => {
  const server = await startPilothouse({ ...env, PORT: '0' });
  const { base } = server;
  let stopped: number | null | undefined;
  try {
    assert.match(server.output(), /sign in \(one-time link.*\/auth\/bootstrap\?token=/);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ok', db: 'ok' });
    const page = await fetch(`${base}/signin`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);

    const { stdout } = await cli('token', 'create', '--tenant', tenantId, '--role', 'member');
    assert.match(stdout, /^ph_\S+\n$/);
    const res = await fetch(`${base}/api/v1/tenants/${tenantId}`, { headers: { authorization: `Bearer ${stdout.trim()}` } });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).name, 'Umbrella');
  } finally {
    stopped = await server.stop('SIGINT');
  }
  assert.equal(stopped, 0, 'Ctrl-C stops cleanly');
  assert.match(server.output(), /Pilothouse stopped/);
  // PostgreSQL went down with it: the CLI now starts its own server on the same data.
  const { stdout } = await cli('tenant', 'list');
  assert.match(stdout, /"name":"Umbrella"/);
});
