import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideReaper, reaperLimits, type ReaperWorkspace } from '../../../controllers/reaper/decide.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MIN = 60_000;

function ws(extra: Partial<ReaperWorkspace>): ReaperWorkspace {
  return { id: 'w1', tenantId: 't1', state: 'running', version: 1, runningAt: ago(60 * MIN), pausedAt: null, lastActivityAt: ago(5 * MIN), limits: reaperLimits({}), ...extra };
}
const decide = (...w: ReaperWorkspace[]) => decideReaper({ now: NOW, workspaces: w });

test('a workspace idle longer than 30 minutes (the default) is paused; an active one is not', () => {
  assert.deepEqual(decide(ws({ lastActivityAt: ago(31 * MIN) })).map((d) => [d.decision, d.action.to]), [['pause: idle', 'paused']]);
  assert.deepEqual(decide(ws({ lastActivityAt: ago(29 * MIN) })), []);
});

test('the idle timeout is the tenant\'s own when it sets one', () => {
  const limits = reaperLimits({ idleTimeoutMinutes: 10 });
  assert.equal(decide(ws({ lastActivityAt: ago(11 * MIN), limits })).length, 1);
});

test('idleness counts from the start of the current run when the last activity is older', () => {
  assert.deepEqual(decide(ws({ runningAt: ago(10 * MIN), lastActivityAt: ago(3 * 24 * 60 * MIN) })), []);
});

test('a session past the 12 hour maximum run time is stopped even when active', () => {
  const [d] = decide(ws({ runningAt: ago(12 * 60 * MIN + MIN), lastActivityAt: ago(MIN) }));
  assert.equal(d?.decision, 'stop: max run time');
});

test('a workspace paused past the retention time is archived', () => {
  const d = decide(ws({ state: 'paused', pausedAt: ago(31 * 24 * 60 * MIN) }));
  assert.deepEqual(d.map((x) => x.action.to), ['archived']);
  assert.deepEqual(decide(ws({ state: 'paused', pausedAt: ago(29 * 24 * 60 * MIN) })), []);
});

test('limits that are not positive numbers fall back to the defaults', () => {
  assert.deepEqual(reaperLimits({ idleTimeoutMinutes: -5, maxRunHours: 'x', pausedRetentionDays: 0 }), { idleMinutes: 30, maxRunHours: 12, retentionDays: 30 });
});
