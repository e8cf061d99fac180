// `npm test`: type-checks, starts one embedded PostgreSQL server for the run with a migrated
// template database (each test file clones its own database from it), runs node's test
// runner over test/**/*.test.ts (or the files given), and cleans up. The runner's summary
// is the last thing printed.
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { startTemporaryPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { withDatabase } from '../db/pool.ts';
import { toolNotices } from '../test/tools.ts';
import { buildConsole, consoleIsStale } from './build-console.ts';

const files = process.argv.slice(2);
const TEMPLATE = 'pilothouse_template';

// Building first also generates the console's .svelte-kit types that svelte-check reads.
if (consoleIsStale()) buildConsole();
if (files.length === 0 && process.env.PILOTHOUSE_SKIP_TYPECHECK !== '1') {
  const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('npm test: type check failed (tsc --noEmit); fix the errors above');
    process.exit(1);
  }
  // The k6 scripts run in k6's runtime, not Node's: their own project, typed by @types/k6.
  const k6 = spawnSync('npx', ['tsc', '--noEmit', '-p', 'loadtests/k6/tsconfig.json'], { stdio: 'inherit' });
  if (k6.status !== 0) {
    console.error('npm test: the k6 scripts in loadtests/k6/ do not type-check against @types/k6; fix the errors above');
    process.exit(1);
  }
  const svelte = spawnSync('npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--threshold', 'error', '--output', 'human'], { cwd: 'console', stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (svelte.status !== 0) {
    console.error(svelte.stdout);
    console.error('npm test: the console does not type-check (svelte-check); fix the errors above');
    process.exit(1);
  }
  const lint = spawnSync(process.execPath, ['scripts/lint.ts'], { stdio: 'inherit' });
  if (lint.status !== 0) process.exit(1);
}
for (const line of toolNotices()) console.log(line);

const server = await startTemporaryPostgres('pilothouse-test-');
let code = 1;
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  await migrate(withDatabase(server.url, TEMPLATE));
  const concurrency = process.env.PILOTHOUSE_TEST_CONCURRENCY ?? '3';
  const child = spawn(process.execPath, [
    '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', '--test-timeout=300000',
    ...(files.length ? files : ['test/**/*.test.ts']),
  ], {
    stdio: 'inherit',
    env: { ...process.env, PILOTHOUSE_TEST_DATABASE_URL: server.url, PILOTHOUSE_TEST_TEMPLATE: TEMPLATE },
  });
  code = await new Promise<number>((ok) => child.on('exit', (c, sig) => ok(c ?? (sig ? 1 : 0))));
} finally {
  await server.stop();
}
process.exit(code);
