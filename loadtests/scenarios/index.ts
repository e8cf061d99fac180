// Every load scenario, by name.
import { consoleReads } from './console-reads.ts';
import { faroCollect } from './faro-collect.ts';
import { otlpIngest } from './otlp-ingest.ts';
import type { Scenario } from './types.ts';
import { usageIngest } from './usage-ingest.ts';
import { workspaceLifecycle } from './workspace-lifecycle.ts';

export const SCENARIOS: readonly Scenario[] = [consoleReads, usageIngest, otlpIngest, faroCollect, workspaceLifecycle];

export function scenarioNamed(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario named ${name}; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
