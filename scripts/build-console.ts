// Builds the console with Vite when its sources are newer than the last build (or always,
// with --force), so `npm start` on a fresh clone serves a console without a separate step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../console', import.meta.url));
const output = join(root, 'build', '200.html');

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function consoleIsStale(): boolean {
  if (!existsSync(output)) return true;
  const sources = ['src', 'static', 'vite.config.ts', 'package.json'].map((p) => join(root, p)).filter(existsSync);
  return Math.max(...sources.map(newest)) > statSync(output).mtimeMs;
}

export function buildConsole(): void {
  process.stderr.write('Building the console…\n');
  const res = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url)), 'build', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (res.status !== 0) {
    process.stderr.write('The console build failed (see above).\n');
    process.exit(res.status ?? 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npm run build` (--force) first generates the console's API types from the server's
  // OpenAPI document; the implicit builds of `npm start` and `npm test` use the committed
  // file, which `npm test` checks is current (test/scripts/api-types.test.ts).
  if (process.argv.includes('--force')) {
    const { API_TYPES, generateApiTypes } = await import('./api-types.ts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(API_TYPES, await generateApiTypes());
  }
  if (process.argv.includes('--force') || consoleIsStale()) buildConsole();
}
