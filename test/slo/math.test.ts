// The SLO math against the worked numbers of The Site Reliability Workbook ("Alerting on SLOs").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetDowntimeMs, budgetRemaining, budgetSpent, burnRate, timeToExhaustionMs } from '../../slo/math/budget.ts';
import { DAY, HOUR, MINUTE, durationMs, promDuration } from '../../slo/math/duration.ts';
import { burnRateFactor, tierReachable, workbookTiers } from '../../slo/math/tiers.ts';
import { isLowTraffic, minimumMeaningfulEvents, periodErrorRatio, timesliceCounts } from '../../slo/math/sli.ts';
import { alertLevel, tierState, type WindowBurn } from '../../slo/math/alerts.ts';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);

test('a 99.9% objective over 30 days allows 43.2 minutes of full downtime', () => {
  close(budgetDowntimeMs(0.999, 30 * DAY) / MINUTE, 43.2, 'budget minutes');
});

test('a burn rate of 1000 exhausts a full 99.9% / 30 d budget in 43.2 minutes', () => {
  close(timeToExhaustionMs(1, 1000, 30 * DAY) / MINUTE, 43.2, 'minutes to exhaustion');
});

test('a burn rate of 14.4 for one hour spends 2% of a 30-day budget', () => {
  close(budgetSpent(14.4, HOUR, 720 * HOUR), 0.02, 'budget spent');
});

test('burn rate is the error ratio divided by the error budget', () => {
  close(burnRate(0.02, 0.999), 20, 'burn at 2% errors against 99.9%');
  close(burnRate(0.001, 0.999), 1, 'burn exactly on budget');
});

test('time to exhaustion scales with what is left and is infinite when nothing burns', () => {
  close(timeToExhaustionMs(0.5, 1000, 30 * DAY) / MINUTE, 21.6, 'half a budget at burn 1000');
  assert.equal(timeToExhaustionMs(0.5, 0, 30 * DAY), Number.POSITIVE_INFINITY);
  assert.equal(timeToExhaustionMs(-0.1, 5, 30 * DAY), 0);
});

test('burn-rate factors derive from budget shares and a 30-day period: 14.4, 6, 3, 1', () => {
  const factors = workbookTiers(30 * DAY).map((t) => t.factor);
  [14.4, 6, 3, 1].forEach((want, i) => close(factors[i]!, want, `tier ${i}`));
});

test('burn-rate factors for a 28-day period: 13.44, 5.6, 2.8, 0.933', () => {
  const factors = workbookTiers(28 * DAY).map((t) => t.factor);
  [13.44, 5.6, 2.8, 28 / 30].forEach((want, i) => close(factors[i]!, want, `tier ${i}`));
  assert.equal(factors[3]!.toFixed(3), '0.933');
});

test('the Workbook tiers pair 1h/5m and 6h/30m pages with 1d/2h and 3d/6h tickets', () => {
  const tiers = workbookTiers(30 * DAY);
  assert.deepEqual(tiers.map((t) => [t.severity, promDuration(t.longMs), promDuration(t.shortMs)]), [
    ['page', '1h', '5m'], ['page', '6h', '30m'], ['ticket', '1d', '2h'], ['ticket', '3d', '6h'],
  ]);
  close(burnRateFactor(0.05, 30 * DAY, 6 * HOUR), 6, '5% in 6 h');
});

test('budget remaining is one minus the period error ratio over the budget, negative when overspent', () => {
  close(budgetRemaining(0, 0.999), 1, 'nothing failed');
  close(budgetRemaining(0.0005, 0.999), 0.5, 'half spent');
  close(budgetRemaining(0.002, 0.999), -1, 'overspent twice');
});

test('the period SLI is total bad over total events, not the mean of short-window ratios', () => {
  // A quiet hour with 1 failure in 10 and a busy hour with 10 in 10,000.
  const hours = [{ bad: 1, total: 10 }, { bad: 10, total: 10_000 }];
  close(periodErrorRatio(hours), 11 / 10_010, 'weighted by traffic');
  const averaged = (0.1 + 0.001) / 2;
  assert.ok(Math.abs(periodErrorRatio(hours) - averaged) > 0.04, 'an average of ratios would be ~50× too high');
  assert.ok(Number.isNaN(periodErrorRatio([{ bad: 0, total: 0 }])), 'no events: no evidence');
});

test('timeslices count a slice bad when its own ratio misses the slice target; empty slices are good', () => {
  const slices = [{ bad: 0, total: 100 }, { bad: 5, total: 100 }, { bad: 0, total: 0 }, { bad: 1, total: 100 }];
  assert.deepEqual(timesliceCounts(slices, 0.99), { bad: 1, total: 4 });
});

test('a 99.9% objective needs at least 1,000 events for one failure to fit the budget', () => {
  assert.equal(minimumMeaningfulEvents(0.999), 1000);
  assert.equal(minimumMeaningfulEvents(0.95), 20);
  assert.equal(isLowTraffic(999, 0.999), true);
  assert.equal(isLowTraffic(1000, 0.999), false);
});

const windows = (entries: [number, number, number, number][]) =>
  new Map(entries.map(([windowMs, burn, bad, total]): [number, WindowBurn] => [windowMs, { windowMs, burnRate: burn, bad, total }]));

test('a page tier fires only when both its long and short windows burn faster than the factor', () => {
  const [page1h] = workbookTiers(30 * DAY);
  assert.equal(tierState(page1h!, windows([[HOUR, 20, 200, 10_000], [5 * MINUTE, 20, 20, 1000]])).firing, true);
  assert.equal(tierState(page1h!, windows([[HOUR, 20, 200, 10_000], [5 * MINUTE, 2, 2, 1000]])).firing, false, 'burn already stopped');
  assert.equal(tierState(page1h!, windows([[HOUR, 10, 100, 10_000], [5 * MINUTE, 20, 20, 1000]])).firing, false, 'a short spike only');
});

test('one failed request in a quiet hour does not page, and says it was held back for low traffic', () => {
  const [page1h] = workbookTiers(30 * DAY);
  const state = tierState(page1h!, windows([[HOUR, 1000 / 3, 1, 3], [5 * MINUTE, 1000, 1, 1]]));
  assert.equal(state.firing, false);
  assert.equal(state.suppressedLowTraffic, true);
});

test('the alert level is the highest severity firing', () => {
  const tiers = workbookTiers(30 * DAY);
  const ticketOnly = windows([[HOUR, 4, 40, 10_000], [5 * MINUTE, 4, 4, 1000], [6 * HOUR, 4, 240, 60_000], [30 * MINUTE, 4, 20, 5000],
    [DAY, 4, 960, 240_000], [2 * HOUR, 4, 80, 20_000], [3 * DAY, 4, 2880, 720_000], [6 * HOUR, 4, 240, 60_000]]);
  assert.equal(alertLevel(tiers.map((t) => tierState(t, ticketOnly))), 'ticket');
});

test('a tier whose burn rate needs more than 100% errors is unreachable', () => {
  const [page1h, , , ticket3d] = workbookTiers(30 * DAY);
  assert.equal(tierReachable(page1h!, 0.999), true);
  assert.equal(tierReachable(page1h!, 0.4), false, 'budget 60%: at most burn 1.67');
  assert.equal(tierReachable(ticket3d!, 0.4), true);
});

test('durations: OpenSLO shorthand in, Prometheus spelling out', () => {
  assert.equal(durationMs('30d'), 30 * DAY);
  assert.equal(durationMs('4w'), 28 * DAY);
  assert.equal(durationMs('1M'), 30 * DAY);
  assert.equal(durationMs('0m'), 0, 'alertAfter: 0m is the specification\'s default');
  // Sloth names windows as Prometheus prints them: 28d is 4w and 7d is 1w (its dashboards look for those).
  assert.equal(promDuration(28 * DAY), '4w');
  assert.equal(promDuration(7 * DAY), '1w');
  assert.equal(promDuration(30 * DAY), '30d');
  assert.equal(promDuration(90 * MINUTE), '1h30m');
  assert.equal(promDuration(2 * HOUR), '2h');
});
