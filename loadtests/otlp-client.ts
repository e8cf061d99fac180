// The load side of bench:otlp, run as its own process: autocannon posts every prepared
// OTLP/HTTP protobuf body exactly once over N keep-alive connections and reports counts
// and timing.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const { url, token, bodiesFile, connections } = JSON.parse(process.argv[2]!) as { url: string; token: string; bodiesFile: string; connections: number };
const bodies = (JSON.parse(readFileSync(bodiesFile, 'utf8')) as string[]).map((b) => Buffer.from(b, 'base64'));
let next = 0;
const started = performance.now();
const result = await autocannon({
  url,
  connections,
  amount: bodies.length,
  timeout: 60,
  requests: [{
    method: 'POST',
    path: '/v1/traces',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
    setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! as unknown as string }),
  }],
});
const elapsedMs = performance.now() - started;
process.stdout.write(JSON.stringify({ elapsedMs, ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, latencyP99: result.latency.p99 }));
