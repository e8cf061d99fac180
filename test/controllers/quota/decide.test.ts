import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideQuota, desiredResourceQuota, warnKey, type TenantQuotaView } from '../../../controllers/quota/decide.ts';
import { parseQuota } from '../../../tenancy/quotas.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const MONTH = '2026-11-01T00:00:00.000Z';
const DAY = '2026-11-28T00:00:00.000Z';

function tenant(extra: Partial<TenantQuotaView>): TenantQuotaView {
  return {
    tenantId: 't1', quota: parseQuota({}), used: {}, warned: new Set(), running: [],
    periods: { 'llm.tokens': MONTH, 'count/workspaces': DAY, 'requests.cpu': DAY }, ...extra,
  };
}
const decide = (t: TenantQuotaView) => decideQuota({ now: NOW, tenants: [t] });
const running = (n: number) => Array.from({ length: n }, (_, i) => ({
  id: `w${i}`, state: 'running' as const, version: 1, resourceFactor: 1, since: new Date(NOW.getTime() - (n - i) * 60_000),
}));

test('usage at 80 % of a hard limit warns once; a warning already sent is not repeated', () => {
  const t = tenant({ quota: parseQuota({ hard: { 'llm.tokens': 1000 } }), used: { 'llm.tokens': 850 } });
  assert.deepEqual(decide(t).map((d) => d.decision), ['warn llm.tokens hard:80']);
  assert.deepEqual(decide({ ...t, warned: new Set([warnKey('llm.tokens', MONTH, 'hard:80')]) }), []);
});

test('a new period warns again', () => {
  const t = tenant({ quota: parseQuota({ hard: { 'llm.tokens': 1000 } }), used: { 'llm.tokens': 850 }, warned: new Set([warnKey('llm.tokens', '2026-10-01T00:00:00.000Z', 'hard:80')]) });
  assert.equal(decide(t).length, 1);
});

test('past a hard meter limit every running workspace is paused, newest first', () => {
  const t = tenant({
    quota: parseQuota({ hard: { 'llm.tokens': 1000 } }), used: { 'llm.tokens': 1001 }, running: running(3),
    warned: new Set(['hard:80', 'hard:100'].map((th) => warnKey('llm.tokens', MONTH, th))),
  });
  const d = decide(t);
  assert.deepEqual(d.map((x) => x.action.type === 'pause' && x.action.workspaceId), ['w2', 'w1', 'w0']);
  assert.match(d[0]!.reason, /llm\.tokens 1001 > hard 1000/);
});

test('at exactly the hard limit nothing is paused', () => {
  const t = tenant({ quota: parseQuota({ hard: { 'count/workspaces': 2 } }), used: { 'count/workspaces': 2 }, running: running(2), warned: new Set(['hard:80', 'hard:100'].map((th) => warnKey('count/workspaces', DAY, th))) });
  assert.deepEqual(decide(t), []);
});

test('past a gauge limit (the quota was lowered) only the newest workspaces are paused, until it fits', () => {
  const t = tenant({
    quota: parseQuota({ hard: { 'count/workspaces': 2 } }), used: { 'count/workspaces': 4, 'requests.cpu': 2 }, running: running(4),
    warned: new Set(['hard:80', 'hard:100'].map((th) => warnKey('count/workspaces', DAY, th))),
  });
  assert.deepEqual(decide(t).map((x) => x.action.type === 'pause' && x.action.workspaceId), ['w3', 'w2']);
});

test('the namespace ResourceQuota mirrors the hard gauges and is left alone when equal', () => {
  const quota = parseQuota({ hard: { 'count/workspaces': 3, 'requests.cpu': '1500m', 'llm.tokens': 5 } });
  assert.deepEqual(desiredResourceQuota(quota), { pods: '3', 'requests.cpu': '1500m' });
  const warned = new Set<string>();
  assert.deepEqual(decide(tenant({ quota, warned, resourceQuota: null })).map((d) => d.decision), ['create ResourceQuota workspace-quota']);
  assert.deepEqual(decide(tenant({ quota, warned, resourceQuota: { pods: '3', 'requests.cpu': '1.5' } })), [], 'the same amounts written differently are equal');
  assert.deepEqual(decide(tenant({ quota, warned, resourceQuota: { pods: '4', 'requests.cpu': '1.5' } })).map((d) => d.decision), ['update ResourceQuota workspace-quota']);
  assert.deepEqual(decide(tenant({ quota: parseQuota({}), resourceQuota: { pods: '4' } })).map((d) => d.decision), ['delete ResourceQuota workspace-quota']);
  assert.deepEqual(decide(tenant({ quota, warned, resourceQuota: undefined })), [], 'no namespace observed: nothing to keep in step');
});
