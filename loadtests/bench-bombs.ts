// `npm run bench:bombs`: /healthz latency while compressed bombs arrive, beside /healthz
// latency with no bombs, in the same run against the same server (its own process). Bombs:
// BOMB_CONNECTIONS senders posting, back to back, gzip Faro batches of about 20 KB that
// inflate to just under the 5 MiB limit (accepted and parsed) and ones that inflate to
// 20 MiB (refused at the limit). /healthz is probed at PROBE_RATE per second, open model:
// latency is measured from each probe's scheduled time, so a stalled server is not hidden
// by probes that waited (coordinated omission). Aim: p99 under 100 ms while bombs arrive.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import hdr from 'hdr-histogram-js';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const PROBE_RATE = Number(process.env.PROBE_RATE ?? 200);
const BOMB_CONNECTIONS = Number(process.env.BOMB_CONNECTIONS ?? 10);

function bomb(inflated: number): Buffer {
  const head = '{"meta":{"app":{"name":"bench"}},"logs":[{"message":"bomb"}]';
  return gzipSync(Buffer.concat([Buffer.from(head), Buffer.alloc(inflated - head.length - 1, 0x20), Buffer.from('}')]), { level: 9 });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(base: URL, path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<number> {
  return new Promise((ok) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('error', () => ok(0));
    req.end(opts.body);
  });
}

/** Probes /healthz at PROBE_RATE for SECONDS; latencies in µs from each probe's scheduled time. */
async function probe(base: URL): Promise<{ hist: hdr.Histogram; failed: number }> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const total = SECONDS * PROBE_RATE;
  const start = performance.now();
  const interval = 1000 / PROBE_RATE;
  let failed = 0;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(request(base, '/healthz').then((status) => {
      if (status !== 200) failed++;
      hist.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
    }));
  }
  await Promise.all(pending);
  return { hist, failed };
}

const ms = (us: number) => (us / 1000).toFixed(1).padStart(7);

const pg = await startTemporaryPostgres('pilothouse-bench-');
let server: ReturnType<typeof spawn> | undefined;
try {
  await migrate(pg.url);
  server = spawn(process.execPath, [fileURLToPath(new URL('./bomb-server.ts', import.meta.url)), pg.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = new URL(await new Promise<string>((ok) => server!.stdout!.once('data', (d) => ok(String(d).trim()))));
  const key = await new Promise<string>((ok) => http.get(new URL('/api/v1/rum/console', base), (res) => {
    let b = '';
    res.on('data', (d) => (b += d));
    res.on('end', () => ok(JSON.parse(b).apiKey));
  }));
  const nearLimit = bomb(5 * 1024 * 1024 - 1024);
  const overLimit = bomb(20 * 1024 * 1024);
  const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': key };

  // Warm-up (JIT, connections), not measured.
  for (let i = 0; i < 3; i++) await request(base, '/collect', { method: 'POST', headers, body: nearLimit });
  for (let i = 0; i < 200; i++) await request(base, '/healthz');

  const quiet = await probe(base);

  let bombing = true;
  const answers = new Map<number, number>();
  const senders = Array.from({ length: BOMB_CONNECTIONS }, async (_, c) => {
    for (let i = 0; bombing; i++) {
      const status = await request(base, '/collect', { method: 'POST', headers, body: (c + i) % 4 === 3 ? overLimit : nearLimit });
      answers.set(status, (answers.get(status) ?? 0) + 1);
    }
  });
  const loud = await probe(base);
  bombing = false;
  await Promise.all(senders);

  const row = (name: string, r: { hist: hdr.Histogram; failed: number }) =>
    console.log(`  ${name.padEnd(26)} p50 ${ms(r.hist.getValueAtPercentile(50))} ms   p99 ${ms(r.hist.getValueAtPercentile(99))} ms   max ${ms(r.hist.maxValue)} ms   (${r.hist.totalCount} probes, ${r.failed} failed)`);
  console.log(`bench:bombs  /healthz at ${PROBE_RATE}/s for ${SECONDS} s, without and then with ${BOMB_CONNECTIONS} connections posting gzip bombs`);
  console.log(`  bombs: ${nearLimit.length} B → ${5 * 1024 * 1024 - 1024} B inflated (accepted), ${overLimit.length} B → 20 MiB (refused at 5 MiB); answers ${[...answers].map(([s, n]) => `${n} × ${s}`).join(', ')}`);
  row('/healthz, no bombs', quiet);
  row('/healthz, bombs arriving', loud);
  const ratio = loud.hist.getValueAtPercentile(99) / Math.max(1, quiet.hist.getValueAtPercentile(99));
  console.log(`  ratio                      p99 with bombs = ${ratio.toFixed(1)} × p99 without; aim: under 100 ms with bombs (${loud.hist.getValueAtPercentile(99) < 100_000 ? 'met' : 'NOT met'})`);
} finally {
  server?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await pg.stop();
}
