// The `pilothouse autoscale` subcommands' adapters: files in, the pure engines, text out.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { simulateHpa } from '../controllers/hpa/simulate.ts';

async function readDoc(file: string, what: string): Promise<Record<string, any>> {
  const text = await readFile(file, 'utf8').catch((e: Error) => { throw new Error(`${what}: cannot read ${file}: ${e.message}`); });
  try {
    return parseYaml(text) as Record<string, any>;
  } catch (e) {
    throw new Error(`${what}: ${file} is neither YAML nor JSON: ${(e as Error).message}`);
  }
}

export async function simulateFiles(o: { hpa: string; pods: string; metrics: string; now?: string; json?: boolean; firstSync?: boolean }): Promise<string> {
  const now = o.now === undefined ? Date.now() : Date.parse(o.now);
  if (!Number.isFinite(now)) throw new Error(`--now must be an ISO 8601 time, got "${o.now}"`);
  const [hpa, pods, metrics] = await Promise.all([readDoc(o.hpa, '--hpa'), readDoc(o.pods, '--pods'), readDoc(o.metrics, '--metrics')]);
  const sim = simulateHpa(hpa, pods, metrics, now, o.firstSync ?? false);
  if (o.json) return JSON.stringify(sim, null, 2) + '\n';
  return [`${sim.hpa}: ${sim.desiredReplicas} replicas (current ${sim.currentReplicas})`, ...sim.reasoning.slice(1).map((l) => `  ${l}`)].join('\n') + '\n';
}

/** The sandbox's startup times, as the replay reads them. */
export async function sandboxStartupTimings() {
  const { DEMO_TIMINGS: t } = await import('../sandbox/fleet/catalogue.ts');
  return {
    warmMs: [t.startMs[0] + t.readyMs[0], t.startMs[1] + t.readyMs[1]] as [number, number],
    nodeMs: t.scaleUpDelayMs + t.nodeProvisionMs,
    imagePullShare: t.coldStartShare,
    imagePullMs: [t.coldStartMs[0] + t.readyMs[0], t.coldStartMs[1] + t.readyMs[1]] as [number, number],
  };
}

export async function replayWeek(o: { seed: number; days: number; peak: number; bursts: number; emptyProbability: number; json?: boolean }): Promise<string> {
  const { replayPolicy, formatOutcomes } = await import('../controllers/autoscaler/replay.ts');
  const { DEFAULT_HEADROOM } = await import('../controllers/autoscaler/decide.ts');
  const timings = await sandboxStartupTimings();
  // Both policies plan for the time a new node takes to be ready in the sandbox.
  const settings = { ...DEFAULT_HEADROOM, leadTimeMinutes: timings.nodeMs / 60_000, emptyProbability: o.emptyProbability };
  const opts = { seed: o.seed, days: o.days, peakPerHour: o.peak, burstsPerDay: o.bursts, timings, settings };
  const started = performance.now();
  const rows = [replayPolicy(opts, { ...settings, policy: 'reactive' }), replayPolicy(opts, { ...settings, policy: 'predictive' })];
  const seconds = (performance.now() - started) / 1000;
  if (o.json) return JSON.stringify({ seed: o.seed, days: o.days, timings, settings, outcomes: rows }, null, 2) + '\n';
  return [
    `replay: ${o.days} simulated day(s) of starts (seed ${o.seed}, weekday peak ${o.peak}/h, ${o.bursts} bursts/day) after 4 weeks of history,`,
    `sandbox startup times (warm ${timings.warmMs[0] / 1000}-${timings.warmMs[1] / 1000} s, new node +${timings.nodeMs / 1000} s, image pull ${timings.imagePullShare * 100}%), lead time ${(timings.nodeMs / 60_000).toFixed(2)} min, P(empty) target ${o.emptyProbability * 100}%`,
    '',
    formatOutcomes(rows).trimEnd(),
    '',
    `(${seconds.toFixed(1)} s of computing)`,
  ].join('\n') + '\n';
}
