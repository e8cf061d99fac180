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

test('a run writes a summary of its routes and thresholds that the import accepts, and its exit code follows its verdict', async () => {
  const r = await loadtest();
  assert.equal(r.summary.format, LOCAL_FORMAT);
  assert.ok(r.summary.total.requests >= 15, `${r.summary.total.requests} requests`);
  assert.deepEqual(r.summary.routes.map((x: { route: string }) => x.route).toSorted(),
    ['GET /api/v1/controller-actions', 'GET /api/v1/me', 'GET /api/v1/slos', 'GET /api/v1/tenants', 'GET /api/v1/workspaces', 'GET /api/v1/workspaces/counts']);
  assert.ok(r.summary.thresholds.some((x: { name: string; slo: string }) => x.name === 'p(95)<200' && x.slo === 'api-latency-p95-200ms'));
  assert.ok(r.summary.thresholds.some((x: { name: string; slo: string }) => x.name === 'rate<0.001' && x.slo === 'api-availability-999'));
  assert.equal(r.summary.total.errors, 0, r.stdout);
  // On a quiet machine this run passes; on a saturated one p95 may exceed 200 ms. Either
  // way the exit code is the verdict.
  assert.equal(r.status, r.summary.passed ? 0 : 1, r.stdout + r.stderr);
  assert.equal(parseLocal(r.summary).passed, r.summary.passed);
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
