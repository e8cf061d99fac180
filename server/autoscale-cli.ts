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

export async function simulateFiles(o: { hpa: string; pods: string; metrics: string; now?: string; json?: boolean }): Promise<string> {
  const now = o.now === undefined ? Date.now() : Date.parse(o.now);
  if (!Number.isFinite(now)) throw new Error(`--now must be an ISO 8601 time, got "${o.now}"`);
  const [hpa, pods, metrics] = await Promise.all([readDoc(o.hpa, '--hpa'), readDoc(o.pods, '--pods'), readDoc(o.metrics, '--metrics')]);
  const sim = simulateHpa(hpa, pods, metrics, now);
  if (o.json) return JSON.stringify(sim, null, 2) + '\n';
  return [`${sim.hpa}: ${sim.desiredReplicas} replicas (current ${sim.currentReplicas})`, ...sim.reasoning.slice(1).map((l) => `  ${l}`)].join('\n') + '\n';
}
