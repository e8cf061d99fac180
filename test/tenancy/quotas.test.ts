import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatCpu, parseQuantity } from '../../kube/quantity.ts';
import {
  admissionViolations, parseQuota, periodStart, quotaExceededMessage, quotaProblems, thresholdsReached,
} from '../../tenancy/quotas.ts';

test('quantities parse in base units, including decimals with binary suffixes', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('10G'), 10e9);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity(8), 8);
  assert.equal(parseQuantity('8 cores'), undefined);
  assert.equal(parseQuantity('-1'), undefined);
});

test('quantities print the way the API server prints them', () => {
  assert.equal(formatCpu(0.5), '500m');
  assert.equal(formatCpu(4), '4');
  assert.equal(formatBytes(3 * 2 ** 30), '3Gi');
  assert.equal(formatBytes(1536 * 2 ** 20), '1536Mi');
});

test('a stored quota keeps known resources, ignores the rest, and counts meters per month by default', () => {
  const q = parseQuota({ hard: { 'requests.cpu': '4', 'requests.memory': '16Gi', bogus: 3 }, soft: { 'llm.tokens': 1000 }, period: { 'api.calls': 'day' } });
  assert.deepEqual(q.hard, { 'requests.cpu': 4, 'requests.memory': 16 * 2 ** 30 });
  assert.deepEqual(q.soft, { 'llm.tokens': 1000 });
  assert.equal(q.period['api.calls'], 'day');
  assert.equal(q.period['llm.tokens'], 'month');
});

test('a soft limit above the hard limit is a problem named for what to fix', () => {
  assert.deepEqual(quotaProblems({ hard: { 'count/workspaces': 3 }, soft: { 'count/workspaces': 5 } }), [
    'soft.count/workspaces (5) is above hard.count/workspaces (3); a soft limit warns before the hard one',
  ]);
  assert.deepEqual(quotaProblems({ hard: { 'count/workspaces': 3 }, soft: { 'count/workspaces': 2 } }), []);
});

test('admission allows reaching the quota exactly and refuses going past it', () => {
  const q = parseQuota({ hard: { 'count/workspaces': 3, 'requests.cpu': '2' } });
  assert.deepEqual(admissionViolations(q, { 'count/workspaces': 2, 'requests.cpu': 1.5 }, { 'count/workspaces': 1, 'requests.cpu': 0.5 }), []);
  const over = admissionViolations(q, { 'count/workspaces': 3, 'requests.cpu': 1.5 }, { 'count/workspaces': 1, 'requests.cpu': 0.5 });
  assert.deepEqual(over.map((v) => v.resource), ['count/workspaces']);
});

test('a tenant already past a meter limit is refused at admission, one at the limit is not', () => {
  const q = parseQuota({ hard: { 'llm.tokens': 1000 } });
  assert.deepEqual(admissionViolations(q, { 'llm.tokens': 1000 }, {}), []);
  assert.equal(admissionViolations(q, { 'llm.tokens': 1001 }, {}).length, 1);
});

test('the refusal message has Kubernetes\' shape', () => {
  const q = parseQuota({ hard: { 'requests.cpu': '2', 'requests.memory': '6Gi' } });
  const v = admissionViolations(q, { 'requests.cpu': 1.5, 'requests.memory': 6 * 2 ** 30 }, { 'requests.cpu': 1, 'requests.memory': 3 * 2 ** 30 });
  assert.equal(quotaExceededMessage(v),
    'exceeded quota: workspace-quota, requested: requests.cpu=1,requests.memory=3Gi, used: requests.cpu=1500m,requests.memory=6Gi, limited: requests.cpu=2,requests.memory=6Gi');
});

test('a month period starts on the tenant\'s reset day, the previous month before it', () => {
  assert.equal(periodStart(new Date('2026-11-20T10:00:00Z'), 'month', 15).toISOString(), '2026-11-15T00:00:00.000Z');
  assert.equal(periodStart(new Date('2026-11-10T10:00:00Z'), 'month', 15).toISOString(), '2026-10-15T00:00:00.000Z');
  assert.equal(periodStart(new Date('2026-01-03T10:00:00Z'), 'month', 5).toISOString(), '2025-12-05T00:00:00.000Z');
  assert.equal(periodStart(new Date('2026-11-20T10:00:00Z'), 'day').toISOString(), '2026-11-20T00:00:00.000Z');
});

test('thresholds are reached at 80 % and 100 % of each soft and hard limit', () => {
  const q = parseQuota({ hard: { 'llm.tokens': 1000 }, soft: { 'llm.tokens': 500 } });
  assert.deepEqual(thresholdsReached(q, { 'llm.tokens': 799 }).map((t) => t.threshold), ['soft:80', 'soft:100']);
  assert.deepEqual(thresholdsReached(q, { 'llm.tokens': 800 }).map((t) => t.threshold), ['soft:80', 'soft:100', 'hard:80']);
  assert.deepEqual(thresholdsReached(q, { 'llm.tokens': 399 }), []);
});
