// Measures the console's first-load JavaScript: what a browser downloads to show the sign-in
// page, gzipped as served. Usage: node scripts/console-size.ts (builds first if stale).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CONSOLE_BUILD } from '../server/plugins/console.ts';
import { buildConsole, consoleIsStale } from './build-console.ts';

if (consoleIsStale()) buildConsole();
const { chromium } = await import('playwright-core');
const { default: Fastify } = await import('fastify');
const { default: consolePlugin } = await import('../server/plugins/console.ts');
const app = Fastify();
await app.register(consolePlugin);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage();
const scripts = new Set<string>();
page.on('request', (r) => {
  if (r.resourceType() === 'script') scripts.add(new URL(r.url()).pathname);
});
await page.goto(`${base}/signin`, { waitUntil: 'networkidle' });
await browser.close();
await app.close();
let raw = 0;
let gz = 0;
for (const path of scripts) {
  const body = readFileSync(join(CONSOLE_BUILD, path));
  raw += body.length;
  gz += gzipSync(body, { level: 9 }).length;
}
console.log(`first-load JavaScript: ${scripts.size} files, ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzipped`);
