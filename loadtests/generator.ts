// The load side of the local runner, run as a process of its own so it never shares an event
// loop with the server it measures. Open model: request k is due at t0 + k × (1 s / rate),
// sent then whatever the earlier answers did, and its latency is counted from that due time,
// not from when a socket took it. A stall of the server (or of this process) is therefore
// charged to every request that fell due during it: the coordinated-omission correction at
// the real expected interval, measured rather than back-filled. Latencies go into HDR
// histograms in microseconds, per route and overall.
//
// Input: a JSON plan file named on the command line; output: one JSON line on stdout.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import * as hdr from 'hdr-histogram-js';
import type { RequestSpec } from './scenarios/types.ts';

export interface Plan {
  baseUrl: string;
  rate: number;
  durationS: number;
  warmupS: number;
  connections: number;
  timeoutMs: number;
  requests: RequestSpec[];
}

export interface RouteResult {
  route: string;
  count: number;
  errors: number;
  statuses: Record<string, number>;
  /** microseconds from the due time: p50, p90, p95, p99, max, mean */
  latencyUs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
  /** microseconds from the moment the request was written (what the server alone took) */
  serviceUs: { p50: number; p95: number; p99: number };
  /** a few bodies of failed answers, to say why */
  samples: string[];
  /** the latency histogram, HdrHistogram's compressed base64 encoding */
  histogram: string;
}

export interface GeneratorResult {
  rate: number;
  sent: number;
  elapsedS: number;
  /** answered requests per second over the measured part */
  throughput: number;
  /** due requests sent late by more than one interval (the generator could not keep up) */
  lateSends: number;
  routes: RouteResult[];
  total: RouteResult;
}

const HIGHEST_US = 120_000_000;
const newHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });

/** The order requests are sent in: each spec in proportion to its weight, interleaved. */
export function schedule(specs: readonly RequestSpec[]): number[] {
  const weights = specs.map((s) => Math.max(1, Math.round(s.weight ?? 1)));
  const order: number[] = [];
  const credit = weights.map(() => 0);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < total; i++) {
    // smooth weighted round-robin (as nginx does)
    let best = 0;
    for (let j = 0; j < weights.length; j++) {
      credit[j]! += weights[j]!;
      if (credit[j]! > credit[best]!) best = j;
    }
    credit[best]! -= total;
    order.push(best);
  }
  return order;
}

/** Fills the placeholders of a path or body for request number `seq`. */
export function expand(template: string, seq: number, now = Date.now()): string {
  if (!template.includes('{{')) return template;
  const ids = new Map<string, string>();
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (name === 'seq') return String(seq);
    if (name === 'now') return new Date(now).toISOString();
    if (name === 'nowNs') return `${BigInt(now) * 1_000_000n}`;
    let v = ids.get(name);
    if (v === undefined) {
      v = name === 'uuid' ? randomUUID() : name === 'traceId' ? randomBytes(16).toString('hex') : name.startsWith('spanId') ? randomBytes(8).toString('hex') : `{{${name}}}`;
      ids.set(name, v);
    }
    return v;
  });
}

function quantiles(h: hdr.Histogram) {
  return {
    p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p95: h.getValueAtPercentile(95), p99: h.getValueAtPercentile(99),
    max: h.maxValue, mean: Math.round(h.mean),
  };
}

export async function run(plan: Plan): Promise<GeneratorResult> {
  const url = new URL(plan.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections, maxFreeSockets: plan.connections, scheduling: 'lifo' });
  const order = schedule(plan.requests);
  const nextPath = plan.requests.map(() => 0);
  const per = plan.requests.map(() => ({ lat: newHistogram(), svc: newHistogram(), count: 0, errors: 0, statuses: {} as Record<string, number>, samples: [] as string[] }));
  const all = { lat: newHistogram(), svc: newHistogram(), count: 0, errors: 0, statuses: {} as Record<string, number>, samples: [] as string[] };
  const intervalMs = 1000 / plan.rate;
  const warmup = Math.round(plan.warmupS * plan.rate);
  const total = warmup + Math.round(plan.durationS * plan.rate);
  let sent = 0;
  let lateSends = 0;
  let inFlight = 0;
  let measuredEnd = 0;
  let idle: () => void = () => {};

  const fire = (k: number, due: number) => {
    const i = order[k % order.length]!;
    const spec = plan.requests[i]!;
    const path = expand(spec.paths[nextPath[i]!++ % spec.paths.length]!, k);
    const body = spec.body === undefined ? undefined : expand(spec.body, k);
    const measured = k >= warmup;
    let written = 0;
    inFlight++;
    const done = (status: number | string, text: string) => {
      const end = performance.now();
      inFlight--;
      if (measured) {
        const ok = typeof status === 'number' && status >= 200 && status < 300;
        for (const r of [per[i]!, all]) {
          r.count++;
          r.statuses[String(status)] = (r.statuses[String(status)] ?? 0) + 1;
          r.lat.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round((end - due) * 1000))));
          r.svc.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round((end - (written || end)) * 1000))));
          if (!ok) {
            r.errors++;
            if (r.samples.length < 3) r.samples.push(`${status}: ${text.slice(0, 300)}`);
          }
        }
        measuredEnd = end;
      }
      if (inFlight === 0) idle();
    };
    const headers: Record<string, string | number> = { ...spec.headers };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ agent, host: url.hostname, port: url.port, method: spec.method, path, headers, timeout: plan.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      const status = res.statusCode ?? 0;
      res.on('data', (c: Buffer) => status >= 300 && chunks.push(c));
      res.on('end', () => done(status, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (e) => done('error', e.message));
    });
    req.on('socket', (s) => {
      const mark = () => (written = performance.now());
      if (s.connecting) s.once('connect', mark);
      else mark();
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${plan.timeoutMs} ms`)));
    req.on('error', (e) => done(/no answer/.test(e.message) ? 'timeout' : 'error', e.message));
    req.end(body);
  };

  const t0 = performance.now() + 5;
  const measuredStart = t0 + warmup * intervalMs;
  await new Promise<void>((ok) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) {
        const due = t0 + sent * intervalMs;
        if (now - due > intervalMs) lateSends++;
        fire(sent++, due);
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
      else ok();
    };
    tick();
  });
  if (inFlight > 0) await new Promise<void>((ok) => (idle = ok));
  agent.destroy();
  const elapsedS = Math.max(1e-3, (Math.max(measuredEnd, t0 + total * intervalMs) - measuredStart) / 1000);
  const result = (route: string, r: typeof all): RouteResult => ({
    route, count: r.count, errors: r.errors, statuses: r.statuses, latencyUs: quantiles(r.lat),
    serviceUs: { p50: r.svc.getValueAtPercentile(50), p95: r.svc.getValueAtPercentile(95), p99: r.svc.getValueAtPercentile(99) },
    samples: r.samples, histogram: hdr.encodeIntoCompressedBase64(r.lat),
  });
  // Specs of one route (several Faro apps) are one route in the results.
  const byRoute = new Map<string, typeof all>();
  plan.requests.forEach((spec, i) => {
    const r = per[i]!;
    const into = byRoute.get(spec.route);
    if (!into) return byRoute.set(spec.route, r);
    into.lat.add(r.lat);
    into.svc.add(r.svc);
    into.count += r.count;
    into.errors += r.errors;
    for (const [k, v] of Object.entries(r.statuses)) into.statuses[k] = (into.statuses[k] ?? 0) + v;
    into.samples.push(...r.samples.slice(0, 3 - into.samples.length));
  });
  return {
    rate: plan.rate, sent, elapsedS, throughput: Math.round((all.count / elapsedS) * 10) / 10, lateSends,
    routes: [...byRoute].map(([route, r]) => result(route, r)), total: result('all', all),
  };
}

if (import.meta.main) {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;
  process.stdout.write(JSON.stringify(await run(plan)) + '\n');
}
