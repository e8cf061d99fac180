// Shared by the ingest benchmarks: post prepared bodies through autocannon in a process of
// its own (loadtests/post-client.ts), and turn counts and milliseconds into rates.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PostRun {
  ms: number;
  ok: number;
  /** non-2xx answers, connection errors and timeouts */
  failed: number;
  p99: number;
}

export interface PostAll {
  baseUrl: string;
  path: string;
  token: string;
  contentType: string;
  bodies: readonly (string | Uint8Array)[];
  connections: number;
  /** a folder for the bodies file handed to the client process */
  dir: string;
}

export async function postAll(o: PostAll): Promise<PostRun> {
  const binary = typeof o.bodies[0] !== 'string';
  const bodiesFile = join(o.dir, `bodies-${randomUUID()}.json`);
  writeFileSync(bodiesFile, JSON.stringify(o.bodies.map((b) => (typeof b === 'string' ? b : Buffer.from(b).toString('base64')))));
  const client = fileURLToPath(new URL('./post-client.ts', import.meta.url));
  const args = { url: o.baseUrl, path: o.path, token: o.token, contentType: o.contentType, bodiesFile, encoding: binary ? 'base64' : 'utf8', connections: o.connections };
  const child = spawn(process.execPath, [client, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((ok) => child.on('exit', ok));
  const r = JSON.parse(out);
  return { ms: r.elapsedMs, ok: r.ok, failed: r.non2xx + r.errors + r.timeouts, p99: r.latencyP99 };
}

export const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
