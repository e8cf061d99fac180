import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_HEADROOM, admittedStarts, decideAutoscaler, headroomName, peakWindows,
  type AutoscalerObservation, type Start, type TenantDemand,
} from '../../../controllers/autoscaler/decide.ts';
import { parseQuota } from '../../../tenancy/quotas.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const GiB = 2 ** 30;
const ago = (min: number) => new Date(NOW.getTime() - min * 60_000);
const start = (min: number, extra: Partial<Start> = {}): Start => ({ at: ago(min), region: 'eu-west-1', pool: 'on-demand', resourceFactor: 1, ...extra });
const tenant = (id: string, starts: Start[], quota: Record<string, unknown> = {}, used: TenantDemand['used'] = {}): TenantDemand =>
  ({ tenantId: id, starts, quota: parseQuota(quota), used });
const observe = (tenants: TenantDemand[], extra: Partial<AutoscalerObservation> = {}): AutoscalerObservation =>
  ({ now: NOW, settings: { ...DEFAULT_HEADROOM, policy: 'reactive' }, tenants, pools: [], namespaceReady: true, priorityClassReady: true, ...extra });
const scales = (o: AutoscalerObservation) =>
  decideAutoscaler(o).flatMap((d) => (d.action.kind === 'scale' ? [`${d.action.region}/${d.action.pool} ${d.action.from ?? 'none'}→${d.action.to}`] : []));

test('headroom is the busiest lead-time window of starts in the lookback, not the sum of the hour', () => {
  // 3 starts 1-4 min ago, 5 starts 31-34 min ago, 2 starts 50 min ago: the 5 starts' window wins.
  const starts = [1, 2, 4, 31, 32, 32, 33, 34, 50, 50].map((m) => start(m));
  assert.deepEqual(scales(observe([tenant('a', starts)])), ['eu-west-1/on-demand none→5']);
});

test('starts older than the lookback are forgotten, so headroom falls back to zero', () => {
  const o = observe([tenant('a', [start(61), start(75)])], { pools: [{ region: 'eu-west-1', pool: 'on-demand', replicas: 3 }] });
  assert.deepEqual(scales(o), ['eu-west-1/on-demand 3→0']);
  assert.match(decideAutoscaler(o)[0]!.reason, /no workspace starts in the last 60 min/);
});

test('a larger sandbox counts as its resource factor in base units', () => {
  assert.deepEqual(scales(observe([tenant('a', [start(1, { resourceFactor: 4 }), start(2)])])), ['eu-west-1/on-demand none→5']);
});

test('each region and node pool gets its own headroom', () => {
  const starts = [start(1), start(2, { pool: 'spot' }), start(3, { pool: 'spot' }), start(3, { region: 'us-east-1' })];
  assert.deepEqual(scales(observe([tenant('a', starts)])), ['eu-west-1/on-demand none→1', 'eu-west-1/spot none→2', 'us-east-1/on-demand none→1']);
});

test('tenants add up in a shared pool', () => {
  assert.deepEqual(scales(observe([tenant('a', [start(1), start(2)]), tenant('b', [start(3)])])), ['eu-west-1/on-demand none→3']);
});

test('the autoscaler never plans past a tenant\'s remaining quota of running workspaces', () => {
  // 6 starts in the window, but the tenant runs 8 of its 10 workspaces: 2 more are all admission would allow.
  const busy = tenant('a', [1, 1, 2, 2, 3, 3].map((m) => start(m)), { hard: { 'count/workspaces': 10 } }, { 'count/workspaces': 8 });
  const d = decideAutoscaler(observe([busy, tenant('b', [start(1)])]));
  assert.equal(d.length, 1);
  assert.equal(d[0]!.action.kind === 'scale' && d[0]!.action.to, 3);
  assert.match(d[0]!.reason, /1 tenant\(s\) capped to their remaining quota \(quota count\/workspaces\): 3 planned/);
  assert.deepEqual((d[0]!.inputs.tenants as any[]).find((t) => t.tenantId === 'a'), { tenantId: 'a', forecast: 6, planned: 2, cappedBy: 'quota count/workspaces' });
});

test('remaining CPU and memory cap the plan as admission would, smallest sandboxes first', () => {
  // 1.5 CPU left: a factor-4 start (2 CPU) cannot fit, three factor-1 starts (0.5 each) can.
  const t = tenant('a', [start(1, { resourceFactor: 4 }), start(1), start(2), start(2)], { hard: { 'requests.cpu': '4' } }, { 'requests.cpu': 2.5 });
  const { admitted, cappedBy } = admittedStarts(t.starts, t.quota, t.used);
  assert.deepEqual(admitted.map((s) => s.resourceFactor), [1, 1, 1]);
  assert.equal(cappedBy, 'quota requests.cpu');
  const mem = admittedStarts([start(1), start(1)], parseQuota({ hard: { 'requests.memory': '8Gi' } }), { 'requests.memory': 3 * GiB });
  assert.equal(mem.admitted.length, 1);
});

test('reaching a limit exactly is admitted, as admission allows it', () => {
  const { admitted } = admittedStarts([start(1), start(2)], parseQuota({ hard: { 'count/workspaces': 4 } }), { 'count/workspaces': 2 });
  assert.equal(admitted.length, 2);
});

test('a tenant past a hard meter limit plans no headroom at all', () => {
  const t = tenant('a', [start(1), start(2)], { hard: { 'llm.cost_usd': 100 } }, { 'llm.cost_usd': 100.5 });
  const o = observe([t], { pools: [{ region: 'eu-west-1', pool: 'on-demand', replicas: 2 }] });
  assert.deepEqual(scales(o), ['eu-west-1/on-demand 2→0']);
  assert.match(decideAutoscaler(o)[0]!.reason, /llm\.cost_usd past its hard limit/);
});

test('headroom stays within the per-pool bounds and says so', () => {
  const many = tenant('a', Array.from({ length: 60 }, () => start(1)));
  const d = decideAutoscaler(observe([many], { settings: { ...DEFAULT_HEADROOM, policy: 'reactive', maxPerPool: 40 } }));
  assert.equal(d[0]!.action.kind === 'scale' && d[0]!.action.to, 40);
  assert.match(d[0]!.reason, /held within 0\.\.40 per pool/);
  assert.deepEqual(scales(observe([], { settings: { ...DEFAULT_HEADROOM, policy: 'reactive', minPerPool: 1 }, pools: [{ region: 'eu-west-1', pool: 'spot', replicas: 0 }] })), ['eu-west-1/spot 0→1']);
});

test('an unchanged world decides nothing', () => {
  const o = observe([tenant('a', [start(1), start(2)])], { pools: [{ region: 'eu-west-1', pool: 'on-demand', replicas: 2 }] });
  assert.deepEqual(decideAutoscaler(o), []);
  assert.deepEqual(decideAutoscaler(observe([])), []);
});

test('the namespace and PriorityClass come first, and only when a placeholder is needed', () => {
  const o = observe([tenant('a', [start(1)])], { namespaceReady: false, priorityClassReady: false });
  assert.deepEqual(decideAutoscaler(o).map((d) => d.action.kind), ['namespace', 'priority-class', 'scale']);
  const down = observe([], { namespaceReady: false, priorityClassReady: false, pools: [{ region: 'eu-west-1', pool: 'spot', replicas: 2 }] });
  assert.deepEqual(decideAutoscaler(down).map((d) => d.action.kind), ['scale']);
});

test('windows are aligned to now, so ties go to the most recent one', () => {
  const peaks = peakWindows([start(1), start(6)], NOW, DEFAULT_HEADROOM);
  assert.deepEqual(peaks.get('eu-west-1/on-demand')!.map((s) => s.at), [ago(1)]);
});

test('placeholder names are valid DNS labels per region and pool', () => {
  assert.equal(headroomName('eu-west-1', 'spot'), 'headroom-eu-west-1-spot');
  assert.match(headroomName('US_East.1', 'on-demand'), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
});
