// `npm run lint` (and `npm test`): the module table of DESIGN.md as dependency rules
// (.dependency-cruiser.cjs) and Biome's linter over the TypeScript (biome.json). Exits
// non-zero, naming the broken rule, when either fails.
import { spawnSync } from 'node:child_process';

const PARTS = ['server', 'db', 'kube', 'tenancy', 'collectors', 'slo', 'admission', 'controllers', 'sandbox', 'dashboards', 'loadtests', 'scripts', 'console/src'];
const checks: Array<{ what: string; cmd: string[] }> = [
  { what: 'dependency rules (.dependency-cruiser.cjs: the module table of DESIGN.md)', cmd: ['depcruise', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...PARTS] },
  { what: 'lint (biome.json)', cmd: ['biome', 'lint', '--error-on-warnings', '--max-diagnostics=50', '.'] },
];

let failed = false;
for (const { what, cmd } of checks) {
  const r = spawnSync('npx', ['--no-install', ...cmd], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm test: ${what} failed; fix the problems above`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
