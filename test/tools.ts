// External programs some tests need. Missing ones skip those tests with a visible reason,
// unless CI asks for them (PILOTHOUSE_REQUIRE_TOOLS=1): then their absence is a failure.
import { accessSync, constants } from 'node:fs';

export const TOOLS = {
  chromium: { path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', install: 'apt-get install -y chromium' },
  prometheus: { path: process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus', install: 'apt-get install -y prometheus' },
  promtool: { path: process.env.PROMTOOL_PATH ?? '/usr/bin/promtool', install: 'apt-get install -y prometheus' },
  kubectl: { path: process.env.KUBECTL_PATH ?? '/usr/bin/kubectl', install: 'apt-get install -y kubectl (from the Kubernetes apt repository; kustomize is built in)' },
} as const;
export type Tool = keyof typeof TOOLS;

export function hasTool(tool: Tool): boolean {
  try {
    accessSync(TOOLS[tool].path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function toolsRequired(): boolean {
  return process.env.PILOTHOUSE_REQUIRE_TOOLS === '1';
}

/**
 * For node:test's `skip` option: false when the tool is here, a reason when it is not.
 * When tools are required, a missing one throws so the test fails instead of skipping.
 */
export function skipWithout(tool: Tool): false | string {
  if (hasTool(tool)) return false;
  const reason = `${tool} not found at ${TOOLS[tool].path} (install: ${TOOLS[tool].install})`;
  if (toolsRequired()) throw new Error(`PILOTHOUSE_REQUIRE_TOOLS=1 but ${reason}`);
  return reason;
}

export function toolNotices(): string[] {
  return (Object.keys(TOOLS) as Tool[])
    .filter((t) => !hasTool(t))
    .map((t) => `NOTICE: ${t} is missing (${TOOLS[t].path}); its tests will ${toolsRequired() ? 'FAIL' : 'be SKIPPED'}. Install: ${TOOLS[t].install}`);
}
