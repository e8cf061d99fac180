// Cost rating: pure functions, exact decimals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { rateUsage, tieredCost, roundMoney } from '../../../collectors/cost/rating.ts';
import { catalogAt, catalogProblems, priceFor, type PriceCatalogT } from '../../../collectors/cost/catalog.ts';

const h = (iso: string) => new Date(iso);
const catalog = (version: string, effectiveFrom: string, prices: PriceCatalogT['prices']): PriceCatalogT => ({ version, effectiveFrom, currency: 'USD', prices });

test('a flat price is quantity × unit price ÷ per, exactly', () => {
  const c = catalog('v1', '2026-01-01T00:00:00Z', [{ meter: 'llm.tokens', per: 1_000_000, unitPrice: '3' }]);
  const [line] = rateUsage([{ hour: h('2026-11-01T00:00:00Z'), meter: 'llm.tokens', dimensions: {}, workspaceId: null, quantity: '333333' }], [c]);
  assert.equal(line!.cost, '0.999999');
  assert.equal(line!.version, 'v1');
});

test('sums of tenths stay exact (no floating-point drift)', () => {
  const c = catalog('v1', '2026-01-01T00:00:00Z', [{ meter: 'llm.cost_usd', unitPrice: '1' }]);
  const lines = Array.from({ length: 10 }, (_, i) => ({ hour: h(`2026-11-01T0${i}:00:00Z`), meter: 'llm.cost_usd', dimensions: {}, workspaceId: null, quantity: '0.1' }));
  const total = rateUsage(lines, [c]).reduce((s, l) => s.add(l.cost), new Decimal(0));
  assert.equal(total.toString(), '1');
});

test('graduated tiers charge each unit at the tier its running total falls in', () => {
  const price = { meter: 'api.calls', tiers: [{ upTo: 1000, unitPrice: '0' }, { upTo: 5000, unitPrice: '0.002' }, { upTo: null, unitPrice: '0.001' }] };
  assert.equal(tieredCost(price, new Decimal(800)).toString(), '0');
  assert.equal(tieredCost(price, new Decimal(1000)).toString(), '0');
  assert.equal(tieredCost(price, new Decimal(3000)).toString(), '4');
  assert.equal(tieredCost(price, new Decimal(7000)).toString(), '10');
  // Spread over hours, the running total crosses the tiers: 600 free, 400 free + 200 paid, ...
  const c = catalog('v1', '2026-01-01T00:00:00Z', [price]);
  const lines = [600, 600, 5800].map((q, i) => ({ hour: h(`2026-11-0${i + 1}T00:00:00Z`), meter: 'api.calls', dimensions: {}, workspaceId: null, quantity: String(q) }));
  assert.deepEqual(rateUsage(lines, [c]).map((l) => l.cost), ['0', '0.4', '9.6']);
});

test('a negative correction gives back money at the tier it came from', () => {
  const price = { meter: 'api.calls', tiers: [{ upTo: 1000, unitPrice: '0' }, { upTo: null, unitPrice: '0.01' }] };
  const c = catalog('v1', '2026-01-01T00:00:00Z', [price]);
  const lines = [1500, -200].map((q, i) => ({ hour: h(`2026-11-0${i + 1}T00:00:00Z`), meter: 'api.calls', dimensions: {}, workspaceId: null, quantity: String(q) }));
  assert.deepEqual(rateUsage(lines, [c]).map((l) => l.cost), ['5', '-2']);
});

test('each hour is priced by the catalogue version in force at that hour', () => {
  const v1 = catalog('v1', '2026-01-01T00:00:00Z', [{ meter: 'compute.seconds', per: 3600, unitPrice: '0.04' }]);
  const v2 = catalog('v2', '2026-11-15T00:00:00Z', [{ meter: 'compute.seconds', per: 3600, unitPrice: '0.05' }]);
  const lines = ['2026-11-14T23:00:00Z', '2026-11-15T00:00:00Z'].map((t) => ({ hour: h(t), meter: 'compute.seconds', dimensions: {}, workspaceId: null, quantity: '3600' }));
  const rated = rateUsage(lines, [v2, v1]);
  assert.deepEqual(rated.map((l) => [l.version, l.cost]), [['v1', '0.04'], ['v2', '0.05']]);
  assert.equal(catalogAt([v1, v2], h('2025-12-31T00:00:00Z')), undefined);
});

test('per-model token prices: the most specific match wins; spot and on-demand are separate prices', () => {
  const c = catalog('v1', '2026-01-01T00:00:00Z', [
    { meter: 'llm.tokens', match: { model: 'big' }, per: 1e6, unitPrice: '10' },
    { meter: 'llm.tokens', match: { model: 'big', kind: 'cache_read' }, per: 1e6, unitPrice: '1' },
    { meter: 'compute.seconds', match: { pool: 'on-demand' }, per: 3600, unitPrice: '0.04' },
    { meter: 'compute.seconds', match: { pool: 'spot' }, per: 3600, unitPrice: '0.012' },
  ]);
  assert.equal(priceFor(c, 'llm.tokens', { model: 'big', kind: 'prompt' })?.unitPrice, '10');
  assert.equal(priceFor(c, 'llm.tokens', { model: 'big', kind: 'cache_read' })?.unitPrice, '1');
  assert.equal(priceFor(c, 'llm.tokens', { model: 'other', kind: 'prompt' }), undefined);
  assert.equal(priceFor(c, 'compute.seconds', { pool: 'spot', region: 'eu' })?.unitPrice, '0.012');
});

test('usage without a price is rated zero and marked unpriced (version null)', () => {
  const [line] = rateUsage([{ hour: h('2026-11-01T00:00:00Z'), meter: 'gpu.seconds', dimensions: {}, workspaceId: null, quantity: '5' }], [catalog('v1', '2026-01-01T00:00:00Z', [])]);
  assert.deepEqual([line!.cost, line!.version], ['0', null]);
});

test('a catalogue must give each price one form, increasing tiers and no duplicate match', () => {
  const problems = catalogProblems(catalog('v1', '2026-01-01T00:00:00Z', [
    { meter: 'a.b' },
    { meter: 'a.c', tiers: [{ upTo: 10, unitPrice: 1 }, { upTo: 5, unitPrice: 1 }, { upTo: null, unitPrice: 1 }] },
    { meter: 'a.d', unitPrice: 1 }, { meter: 'a.d', unitPrice: 2 },
  ]));
  assert.equal(problems.length, 3, problems.join('\n'));
});

test('money is rounded half-up to the cent', () => {
  assert.equal(roundMoney('2.345'), '2.35');
  assert.equal(roundMoney('-2.345'), '-2.35');
  assert.equal(roundMoney('0.004'), '0.00');
});
