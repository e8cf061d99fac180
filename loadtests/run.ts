// `npm run loadtest -- [--scenario NAME]… [--profile ci|nightly|soak] [--target URL --token T]`
// Runs load scenarios from a process of their own at an open-model arrival rate, judges
// them by the thresholds their SLOs imply, prints a table, writes a summary JSON per
// scenario and exits 1 when a threshold fails. Without --target it starts a Pilothouse of its
// own on an embedded PostgreSQL (PILOTHOUSE_DEMO=off). Without --scenario it runs them all.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalSummaryT } from '../collectors/loadtests/summary.ts';
import { compileSpecDir } from '../slo/catalog.ts';
import type { GeneratorResult, Plan } from './generator.ts';
import { judge } from './judge.ts';
import { SCENARIOS, scenarioNamed } from './scenarios/index.ts';
import { PROFILES, type ProfileName, type Scenario } from './scenarios/types.ts';
import { httpTarget, ownPilothouse, type OwnedTarget } from './target.ts';
import { scenarioThresholds, type ThresholdMetric, type Tightening } from './thresholds.ts';

const USAGE = `usage: npm run loadtest -- [--scenario NAME]… [--profile ci|nightly|soak] [--target URL --token TOKEN]
       [--rate N] [--duration S] [--connections N] [--threshold 'p(95)<20']… [--out DIR] [--post URL --post-token T]
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`;

function fail(message: string): never {
  process.stderr.write(`loadtest: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** "p(95)<20" or "rate<0.001" → a tightening. */
export function parseTightening(exprs: readonly string[]): Tightening {
  const out: Tightening = {};
  for (const e of exprs) {
    const m = /^\s*(p\((?:50|90|95|99)\)|rate|error_rate)\s*<\s*([0-9.eE+-]+)\s*$/.exec(e);
    if (!m || !Number.isFinite(Number(m[2]))) fail(`--threshold ${JSON.stringify(e)}: write p(95)<MS, p(99)<MS or rate<FRACTION`);
    out[(m[1] === 'rate' ? 'error_rate' : m[1]) as ThresholdMetric] = Number(m[2]);
  }
  return out;
}

function runGenerator(plan: Plan, dir: string): Promise<GeneratorResult> {
  const file = join(dir, `plan-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(plan));
  const child = spawn(process.execPath, [join(import.meta.dirname, 'generator.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((ok, bad) => child.on('exit', (code) => (code === 0 ? ok(JSON.parse(out)) : bad(new Error(`the load generator exited with ${code}`)))));
}

function revision(): string | null {
  if (process.env.GIT_COMMIT) return process.env.GIT_COMMIT;
  const r = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function table(s: LocalSummaryT): string {
  const lines = [`\n${s.scenario} (${s.profile}): ${s.rate}/s asked, ${s.throughput}/s answered over ${s.durationS} s at ${s.target}`];
  lines.push(`  ${'route'.padEnd(62)} ${pad('requests', 8)} ${pad('errors', 7)} ${pad('p50 ms', 8)} ${pad('p95 ms', 8)} ${pad('p99 ms', 8)} ${pad('max ms', 8)}`);
  for (const r of [...s.routes, s.total]) {
    lines.push(`  ${r.route.slice(0, 62).padEnd(62)} ${pad(r.requests, 8)} ${pad(r.errors, 7)} ${pad(r.latencyMs.p50.toFixed(2), 8)} ${pad(r.latencyMs.p95.toFixed(2), 8)} ${pad(r.latencyMs.p99.toFixed(2), 8)} ${pad(r.latencyMs.max.toFixed(1), 8)}`);
  }
  for (const t of s.thresholds) {
    lines.push(`  ${t.ok ? 'PASS' : 'FAIL'} ${t.name.padEnd(16)} ${t.scope.padEnd(62)} measured ${t.value}  (${t.slo})`);
  }
  const errs = [...s.routes, s.total].find((r) => r.errors > 0);
  if (errs) lines.push(`  statuses of ${errs.route}: ${JSON.stringify(errs.statuses)}`);
  return lines.join('\n');
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true }, profile: { type: 'string', default: 'ci' },
      target: { type: 'string' }, token: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' },
      threshold: { type: 'string', multiple: true }, out: { type: 'string', default: 'loadtest-results' },
      post: { type: 'string' }, 'post-token': { type: 'string' }, help: { type: 'boolean' },
    },
  }).values;
}

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseCli>;
  try {
    args = parseCli(argv);
  } catch (err) {
    fail((err as Error).message);
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!PROFILES.includes(args.profile as ProfileName)) fail(`--profile must be one of ${PROFILES.join(', ')}`);
  if (args.target && !args.token) fail('--target needs --token: a platform token that may create tenants, tokens and workspaces');
  const rate = args.rate === undefined ? undefined : Number(args.rate);
  const duration = args.duration === undefined ? undefined : Number(args.duration);
  if (rate !== undefined && !(rate > 0 && rate <= 20_000)) fail('--rate must be between 0 and 20000 requests per second');
  if (duration !== undefined && !(duration > 0 && duration <= 86_400)) fail('--duration must be between 0 and 86400 seconds');
  const scenarios: Scenario[] = (args.scenario ?? []).flatMap((n) => n.split(',')).map((n) => {
    try {
      return scenarioNamed(n.trim());
    } catch (err) {
      fail((err as Error).message);
    }
  });
  const chosen = scenarios.length ? scenarios : [...SCENARIOS];
  const tighten = parseTightening(args.threshold ?? []);
  const { slos, problems } = await compileSpecDir();
  if (problems.length) fail(`the SLO specs do not compile: ${problems.map((p) => p.message).join('; ')}`);
  // Thresholds first: a scenario naming a missing SLO or loosening one fails before any load.
  const judged = chosen.map((s) => {
    try {
      return { scenario: s, thresholds: scenarioThresholds(slos, s.slos, { ...s.tighten, ...tighten }) };
    } catch (err) {
      fail(`${s.name}: ${(err as Error).message}`);
    }
  });

  const target: OwnedTarget = args.target ? httpTarget(args.target, args.token!) : await ownPilothouse({ cluster: chosen.some((s) => s.cluster) });
  // Interrupted, the runner still stops the Pilothouse and PostgreSQL it started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void target.stop().finally(() => process.exit(130)));
  }
  const work = mkdtempSync(join(tmpdir(), 'pilothouse-loadtest-'));
  const outDir = resolve(args.out);
  mkdirSync(outDir, { recursive: true });
  let failed = 0;
  try {
    for (const { scenario, thresholds } of judged) {
      const profile = { ...scenario.profiles[args.profile as ProfileName] };
      if (rate !== undefined) profile.rate = rate;
      if (duration !== undefined) profile.durationS = duration;
      if (args.connections !== undefined) profile.connections = Math.max(1, Math.min(1024, Number(args.connections) || 1));
      const requests = await scenario.setup(target);
      const startedAt = new Date();
      const result = await runGenerator({ baseUrl: target.baseUrl, ...profile, timeoutMs: 30_000, requests }, work);
      const summary = judge({ scenario: scenario.name, profile: args.profile!, target: target.baseUrl, revision: revision(), startedAt, durationS: profile.durationS }, result, thresholds);
      process.stdout.write(table(summary) + '\n');
      if (result.lateSends > result.sent * 0.01) {
        process.stdout.write(`  note: ${result.lateSends} of ${result.sent} requests were sent more than one interval late (the generator was short of CPU); their wait is counted in the latencies\n`);
      }
      for (const r of [...result.routes]) for (const s of r.samples) process.stdout.write(`  ${r.route}: ${s}\n`);
      const file = join(outDir, `${scenario.name}.json`);
      writeFileSync(file, JSON.stringify(summary, null, 2) + '\n');
      process.stdout.write(`  summary: ${file}\n`);
      if (args.post) {
        const res = await fetch(`${args.post.replace(/\/+$/, '')}/api/v1/loadtest-runs?scenario=${encodeURIComponent(scenario.name)}&format=local`, {
          method: 'POST', headers: { authorization: `Bearer ${args['post-token'] ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify(summary),
        });
        process.stdout.write(`  posted to ${args.post}: ${res.status}\n`);
      }
      if (!summary.passed) failed++;
    }
  } finally {
    await target.stop();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(failed ? `\nloadtest: ${failed} of ${judged.length} scenarios failed a threshold\n` : `\nloadtest: all ${judged.length} scenarios met their thresholds\n`);
  return failed ? 1 : 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
