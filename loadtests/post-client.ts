// The load side of the ingest benchmarks, run as its own process so the load generator does
// not share the server's event loop: autocannon posts every prepared body exactly once over
// N keep-alive connections and reports status counts and timing as JSON on stdout.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface Options {
  url: string;
  path: string;
  token: string;
  contentType: string;
  /** a JSON array of bodies: text, or base64 of binary bodies */
  bodiesFile: string;
  encoding: 'utf8' | 'base64';
  connections: number;
}

const o = JSON.parse(process.argv[2]!) as Options;
const bodies = (JSON.parse(readFileSync(o.bodiesFile, 'utf8')) as string[])
  .map((b) => (o.encoding === 'base64' ? Buffer.from(b, 'base64') : b));
let next = 0;
// autocannon notices that `amount` requests are done only at its next sampling tick (once a
// second by default), so its own end time rounds every run up to whole seconds; the run ends
// at the last response instead.
let lastResponse = 0;
const started = performance.now();
const result = await autocannon({
  url: o.url,
  connections: o.connections,
  amount: bodies.length,
  timeout: 60,
  requests: [{
    method: 'POST',
    path: o.path,
    headers: { authorization: `Bearer ${o.token}`, 'content-type': o.contentType },
    // autocannon's types say string; it writes Buffers as they are.
    setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! as string }),
    onResponse: () => {
      lastResponse = performance.now();
    },
  }],
});
const elapsedMs = (lastResponse || performance.now()) - started;
process.stdout.write(JSON.stringify({ elapsedMs, ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, latencyP99: result.latency.p99 }));
