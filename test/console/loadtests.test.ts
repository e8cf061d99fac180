// The Load tests page in real Chromium: runs imported from k6 summaries, per scenario, the
// latest first with its change from the run before, against the thresholds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipWithout } from '../tools.ts';
import { bearer, buildTestApp } from '../helper.ts';

const skip = skipWithout('chromium');
const k6 = JSON.parse(readFileSync(join(import.meta.dirname, '../collectors/loadtests/k6-summary.json'), 'utf8'));

test('imported k6 runs show per scenario, latest first, with the regression from the run before', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const ci = await t.token('loadtest' as never);
  const post = async (p95: number, revision: string, failing: boolean) => {
    const s = structuredClone(k6);
    s.metrics.http_req_duration.values['p(95)'] = p95;
    s.metrics.http_req_failed.thresholds['rate<0.001'].ok = !failing;
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/loadtest-runs?scenario=console-reads&format=k6&revision=${revision}`, headers: bearer(ci), payload: s });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const first = await post(40, 'aaa111', false);
  const second = await post(60, 'bbb222', true);

  const { page } = await signedInAdmin(t);
  await navigate(page, 'Load tests');
  await page.getByRole('heading', { name: 'Load tests' }).waitFor();
  const section = page.locator('section[data-scenario=console-reads]');
  await section.waitFor();
  const rows = section.locator('table[aria-label="console-reads runs"] tbody tr');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  assert.equal(await rows.nth(0).getAttribute('data-run'), second, 'the latest run comes first');
  assert.equal(await rows.nth(1).getAttribute('data-run'), first);
  assert.match(await rows.nth(0).textContent() ?? '', /bbb222.*60\.0 ms.*\+50%.*✗ http_req_failed: rate<0\.001/s);
  assert.match(await section.getByTestId('latest').textContent() ?? '', /failed.*p95 60\.0 ms \(\+50%\)/s);
  assert.equal(await section.getByTestId('p95-change').evaluate((e) => e.classList.contains('error')), true, 'a slower p95 is marked as a regression');
  await section.locator('[data-testid="chart-console-reads"] canvas').waitFor();
});
