// `npm run bench:runner`: the local runner's own overhead. The same generator, rates and
// connections as the console-reads measurements, against a trivial fastify route in a
// process of its own: what is left is the cost of generating, sending and timing requests
// on this machine, the floor under every latency the runner reports.
// Environment: BENCH_RATES (default 200,500,1000), BENCH_DURATION (10 s), BENCH_CONNECTIONS (128).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { run } from './generator.ts';

const rates = (process.env.BENCH_RATES ?? '200,500,1000').split(',').map(Number);
const durationS = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 128);

const server = spawn(process.execPath, [join(import.meta.dirname, 'trivial-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const baseUrl = await new Promise<string>((ok) => server.stdout.once('data', (d) => ok(String(d).trim())));
try {
  console.log(`trivial fastify route GET /ping, ${durationS} s per rate, ${connections} connections; latency from each request's due time`);
  console.log(`${'rate/s'.padStart(7)} ${'answered/s'.padStart(11)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'late sends'.padStart(11)}`);
  for (const rate of rates) {
    // The generator runs here, in a process apart from the server, as the runner runs it.
    const r = await run({ baseUrl, rate, durationS, warmupS: 2, connections, timeoutMs: 30_000, requests: [{ route: 'GET /ping', method: 'GET', paths: ['/ping'] }] });
    const ms = (us: number) => (us / 1000).toFixed(2).padStart(8);
    console.log(`${String(rate).padStart(7)} ${String(r.throughput).padStart(11)} ${ms(r.total.latencyUs.p50)} ${ms(r.total.latencyUs.p95)} ${ms(r.total.latencyUs.p99)} ${ms(r.total.latencyUs.max)} ${String(r.lateSends).padStart(11)}`);
  }
} finally {
  server.kill();
}
