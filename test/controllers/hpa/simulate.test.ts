// `pilothouse autoscale simulate` as a real process on real autoscaling/v2, PodList and
// metrics.k8s.io PodMetricsList documents: a pending pod counts as 0 % on a scale-up, the
// largest metric wins, and the HPA's own scale-up policy (1 pod per minute) has the last word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../../process.ts';

const run = promisify(execFile);
const dir = join(import.meta.dirname, 'fixtures');
const files = ['--hpa', join(dir, 'hpa.yaml'), '--pods', join(dir, 'pods.json'), '--metrics', join(dir, 'metrics.json'), '--now', '2026-12-03T12:00:05Z'];
const simulate = (...args: string[]) => run(process.execPath, [CLI, 'autoscale', 'simulate', ...args], { env: { ...process.env, PILOTHOUSE_DEMO: 'off' } });

test('--json answers desiredReplicas: CPU proposes 7, memory keeps 3, the Pods policy allows one more pod a minute', async () => {
  const { stdout } = await simulate(...files, '--json');
  const out = JSON.parse(stdout);
  assert.equal(out.desiredReplicas, 4);
  assert.equal(out.currentReplicas, 3);
  assert.equal(out.rawProposal, 7);
  assert.equal(out.drivenBy, 'cpu');
  assert.equal(out.rule, 'ScaleUpLimit');
  const cpu = out.metrics.find((m: { metric: string }) => m.metric === 'cpu');
  assert.equal(cpu.proposal.current, 200, '1001m of 500m requested by the two ready pods');
  assert.deepEqual(cpu.proposal.pods.map((p: { leftOut?: string; assumed?: number }) => [p.leftOut ?? null, p.assumed ?? null]), [[null, null], [null, null], ['pending', 0]]);
  const memory = out.metrics.find((m: { metric: string }) => m.metric === 'memory');
  assert.equal(memory.proposal.replicas, 3, '74 % against 80 % is within the tolerance');
});

test('the text form gives the answer first, then the reasoning', async () => {
  const { stdout } = await simulate(...files);
  const lines = stdout.trim().split('\n');
  assert.equal(lines[0], 'shop/web: 4 replicas (current 3)');
  assert.match(stdout, /1 unready pod\(s\) assumed at 0% on a scale-up/);
  assert.match(stdout, /ScaleUpLimit: the desired replica count is increasing faster than the maximum scale rate \(4\)/);
});

test('without behavior the legacy cap of max(2 × current, 4) applies', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hpa-'));
  const yaml = readFileSync(join(dir, 'hpa.yaml'), 'utf8').replace(/ {2}behavior:[\s\S]*?\nstatus:/, 'status:');
  writeFileSync(join(tmp, 'hpa.yaml'), yaml);
  const { stdout } = await simulate('--hpa', join(tmp, 'hpa.yaml'), ...files.slice(2), '--json');
  assert.equal(JSON.parse(stdout).desiredReplicas, 6);
});

test('an HPA without status.currentReplicas is refused with what to fix', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hpa-'));
  writeFileSync(join(tmp, 'hpa.yaml'), readFileSync(join(dir, 'hpa.yaml'), 'utf8').replace('  currentReplicas: 3\n', ''));
  await assert.rejects(simulate('--hpa', join(tmp, 'hpa.yaml'), ...files.slice(2)), (e: { code: number; stderr: string }) =>
    e.code === 1 && /status\.currentReplicas/.test(e.stderr));
});
