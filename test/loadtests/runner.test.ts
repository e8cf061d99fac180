// `npm run loadtest` judges a run by its thresholds: the same small run passes with the
// SLOs' own limits and exits non-zero when one is made impossible, saying which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '../helper.ts';
import { LOCAL_FORMAT, parseLocal } from '../../collectors/loadtests/summary.ts';

const RUNNER = join(import.meta.dirname, '../../loadtests/run.ts');
const t = await buildTestApp();
const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
const token = await t.token('admin');

/** Runs the runner as its own process (asynchronously: the target answers from this one). */
async function runner(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RUNNER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((ok) => child.on('exit', ok));
  return { status, stdout, stderr };
}

async function loadtest(...extra: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'loadtest-test-'));
  const r = await runner(['--scenario', 'console-reads', '--target', base, '--token', token, '--rate', '20', '--duration', '1', '--out', out, ...extra]);
  return { ...r, summary: JSON.parse(readFileSync(join(out, 'console-reads.json'), 'utf8')) };
}

test('a run within its SLOs\' thresholds exits 0 and writes a summary the import accepts', async () => {
  const r = await loadtest();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.summary.format, LOCAL_FORMAT);
  assert.equal(r.summary.passed, true);
  assert.ok(r.summary.total.requests >= 15, `${r.summary.total.requests} requests`);
  assert.ok(r.summary.thresholds.some((x: { name: string }) => x.name === 'p(95)<200'));
  assert.equal(parseLocal(r.summary).passed, true);
  assert.match(r.stdout, /PASS p\(95\)<200/);
});

test('an impossible threshold makes the runner exit non-zero and name the failure', async () => {
  const r = await loadtest('--threshold', 'p(95)<0.001');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.summary.passed, false);
  assert.match(r.stdout, /FAIL p\(95\)<0\.001/);
  assert.ok(r.summary.thresholds.some((x: { name: string; ok: boolean; slo: string }) => x.name === 'p(95)<0.001' && !x.ok && x.slo === 'scenario'));
});

test('a threshold looser than the SLO is refused before any load is sent', async () => {
  const r = await runner(['--scenario', 'console-reads', '--target', base, '--token', token, '--threshold', 'p(95)<5000']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not loosen/);
});
