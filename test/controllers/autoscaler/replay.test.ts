// The seeded replay: both policies through the same decideAutoscaler over a simulated week
// with the sandbox's startup times. The predictive pool must find fewer starts cold than
// the reactive one, at equal or lower placeholder cost, and flap far less.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEADROOM } from '../../../controllers/autoscaler/decide.ts';
import { generateStarts, replayPolicy } from '../../../controllers/autoscaler/replay.ts';
import { sandboxStartupTimings } from '../../../server/autoscale-cli.ts';

const timings = await sandboxStartupTimings();
const settings = { ...DEFAULT_HEADROOM, leadTimeMinutes: timings.nodeMs / 60_000 };

for (const seed of [1, 7]) {
  test(`seed ${seed}: predictive has fewer cold starts than reactive at no more cost`, () => {
    const o = { seed, timings, settings };
    const reactive = replayPolicy(o, { ...settings, policy: 'reactive' });
    const predictive = replayPolicy(o, { ...settings, policy: 'predictive' });
    assert.equal(predictive.starts, reactive.starts, 'the same arrivals');
    assert.ok(reactive.starts > 1000, `a week of starts (${reactive.starts})`);
    assert.ok(predictive.coldStarts < reactive.coldStarts, `cold starts: predictive ${predictive.coldStarts}, reactive ${reactive.coldStarts}`);
    assert.ok(predictive.placeholderCost <= reactive.placeholderCost, `cost: predictive ${predictive.placeholderCost}, reactive ${reactive.placeholderCost}`);
    assert.ok(predictive.scaleChanges * 3 < reactive.scaleChanges, `pool changes: predictive ${predictive.scaleChanges}, reactive ${reactive.scaleChanges}`);
  });
}

test('the replay is deterministic for a seed and differs between seeds', () => {
  const o = { seed: 3, timings, settings };
  assert.deepEqual(replayPolicy(o, settings), replayPolicy(o, settings));
  const opts = { seed: 3, days: 1, historyWeeks: 0, region: 'r', pool: 'on-demand' as const, peakPerHour: 40, burstsPerDay: 3 };
  assert.notDeepEqual(generateStarts(opts, 0).length, generateStarts({ ...opts, seed: 4 }, 0).length);
});

test('a warm pool that is never warm makes every start cold', () => {
  const o = { seed: 1, days: 1, timings, settings };
  const none = replayPolicy(o, { ...settings, policy: 'predictive', maxPerPool: 0 });
  assert.equal(none.coldStarts, none.starts);
  assert.equal(none.placeholderCost, 0);
});

test('`pilothouse autoscale replay` prints both policies\' cold-start share, p95 start time and placeholder cost', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { CLI } = await import('../../process.ts');
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'autoscale', 'replay', '--days', '2', '--seed', '5'], { env: { ...process.env, PILOTHOUSE_DEMO: 'off' } });
  assert.match(stdout, /policy\s+starts\s+cold starts\s+cold share\s+p95 start\s+placeholder cost/);
  assert.match(stdout, /^reactive\s+\d+\s+\d+\s+\d+\.\d\d%\s+\d+\.\d s\s+\$\d+\.\d\d/m);
  assert.match(stdout, /^predictive\s+\d+\s+\d+\s+\d+\.\d\d%\s+\d+\.\d s\s+\$\d+\.\d\d/m);
  await assert.rejects(promisify(execFile)(process.execPath, [CLI, 'autoscale', 'replay', '--days', '90']), /--days must be an integer 1\.\.28/);
});
