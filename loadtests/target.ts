// Where a load run goes: a Pilothouse of the runner's own (embedded PostgreSQL, demo off,
// self-tracing as configured, a platform admin token minted in its database) or a target
// the operator names with a token.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { createPool } from '../db/pool.ts';
import { writeFileSync } from 'node:fs';
import { startSandbox, TEST_TIMINGS } from '../sandbox/index.ts';
import { createToken } from '../tenancy/tokens.ts';
import type { Target } from './scenarios/types.ts';

export interface OwnedTarget extends Target {
  token: string;
  stop(): Promise<void>;
}

// LOADTEST_PILOTHOUSE_CLI runs another checkout's Pilothouse (before/after comparisons).
const CLI = process.env.LOADTEST_PILOTHOUSE_CLI ?? join(import.meta.dirname, '../server/cli.ts');

export function httpTarget(baseUrl: string, token: string): OwnedTarget {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    token,
    async api(method, path, body, as) {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${as ?? token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
      return text ? JSON.parse(text) : undefined;
    },
    stop: async () => {},
  };
}

/** Starts `pilothouse start` on a fresh embedded PostgreSQL; `env` adds to (or overrides) its environment. */
export async function ownPilothouse(opts: { env?: NodeJS.ProcessEnv; cluster?: boolean } = {}): Promise<OwnedTarget> {
  const pgServer = await startTemporaryPostgres('pilothouse-loadtest-');
  // Workspaces leave `pending` only when a controller starts their pods: scenarios that need
  // that get the sandbox's Kubernetes API (in this process, not the measured one) by KUBECONFIG.
  const cluster = opts.cluster ? await startSandbox({ seed: 13, timings: TEST_TIMINGS }) : undefined;
  const kubeconfig = join(pgServer.dir, 'kubeconfig.json');
  if (cluster) writeFileSync(kubeconfig, cluster.kubeConfig().exportConfig());
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: pgServer.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PILOTHOUSE_DEMO: 'off', ...opts.env,
  };
  delete childEnv.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (cluster) childEnv.KUBECONFIG = kubeconfig;
  else delete childEnv.KUBECONFIG;
  const child = spawn(process.execPath, [...(process.env.LOADTEST_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []), CLI, 'start'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await cluster?.close();
    await pgServer.stop();
  };
  try {
    const base = await new Promise<string>((ok, fail) => {
      const deadline = Date.now() + 60_000;
      const check = () => {
        const m = /ready at (http:\/\/\S+)/.exec(out);
        if (m?.[1]) ok(m[1]);
        else if (child.exitCode !== null) fail(new Error(`pilothouse exited with ${child.exitCode} before it was ready:\n${out}`));
        else if (Date.now() > deadline) fail(new Error(`pilothouse was not ready within 60 s:\n${out}`));
        else setTimeout(check, 50);
      };
      check();
    });
    // The server migrated its database at start; the operator's token is minted in it.
    const pool = createPool(pgServer.url, 1);
    const { secret } = await createToken(pool, { name: 'loadtest runner', tenantId: null, role: 'admin' }).finally(() => pool.end());
    return { ...httpTarget(base, secret), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
