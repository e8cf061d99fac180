// The price catalogue: versioned documents, each in force from its effective date until the
// next one. One TypeBox definition validates files and API bodies, documents the API and
// types the rating code.
import { Type, type Static } from 'typebox';

const Money = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?$' })], { description: 'a price, as a number or a decimal string for exactness' });

export const Tier = Type.Object({
  upTo: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: 'cumulative quantity in the period where this tier ends; null for the last tier' }),
  unitPrice: Money,
}, { additionalProperties: false });

export const Price = Type.Object({
  meter: Type.String({ minLength: 1 }),
  match: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'dimension values this price applies to, such as {"model": "gpt-5", "kind": "prompt"}; the most specific match wins' })),
  per: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'the price is for this many units (1000000 tokens, 3600 seconds); default 1' })),
  unitPrice: Type.Optional(Money),
  tiers: Type.Optional(Type.Array(Tier, { minItems: 1, description: 'graduated: each tier\'s price applies to the quantity within it, cumulated over the billing period' })),
  description: Type.Optional(Type.String()),
}, { additionalProperties: false });

const PoolRates = Type.Object({ onDemand: Money, spot: Money }, { additionalProperties: false });

export const Rates = Type.Object({
  cpuHour: PoolRates,
  gbHour: PoolRates,
  storageGbMonth: Money,
}, { additionalProperties: false, description: 'infrastructure rates used to cost the fleet (on-demand and spot)' });

export const PriceCatalog = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 100 }),
  effectiveFrom: Type.String({ format: 'date-time' }),
  currency: Type.Literal('USD'),
  prices: Type.Array(Price),
  rates: Type.Optional(Rates),
}, { additionalProperties: false });

export type PriceT = Static<typeof Price>;
export type RatesT = Static<typeof Rates>;
export type PriceCatalogT = Static<typeof PriceCatalog>;

/** Problems a schema cannot express; empty when the catalogue is consistent. */
export function catalogProblems(c: PriceCatalogT): string[] {
  const out: string[] = [];
  c.prices.forEach((p, i) => {
    const where = `prices[${i}] (${p.meter})`;
    if ((p.unitPrice === undefined) === (p.tiers === undefined)) out.push(`${where} needs exactly one of unitPrice (flat) or tiers (graduated)`);
    if (p.tiers) {
      p.tiers.forEach((t, j) => {
        const last = j === p.tiers!.length - 1;
        if (last !== (t.upTo === null)) out.push(`${where}: only the last tier has upTo null`);
        const prev = j > 0 ? p.tiers![j - 1]!.upTo : 0;
        if (t.upTo !== null && prev !== null && t.upTo <= prev) out.push(`${where}: tier upTo values must increase`);
      });
    }
  });
  const seen = new Set<string>();
  for (const p of c.prices) {
    const k = `${p.meter} ${JSON.stringify(Object.entries(p.match ?? {}).sort())}`;
    if (seen.has(k)) out.push(`two prices for ${p.meter} with the same match ${JSON.stringify(p.match ?? {})}`);
    seen.add(k);
  }
  return out;
}

/** The catalogue version in force at `at`: the latest effective at or before it. */
export function catalogAt<T extends { effectiveFrom: string }>(catalogs: readonly T[], at: Date): T | undefined {
  let best: T | undefined;
  for (const c of catalogs) {
    if (Date.parse(c.effectiveFrom) <= at.getTime() && (!best || Date.parse(c.effectiveFrom) > Date.parse(best.effectiveFrom))) best = c;
  }
  return best;
}

/** The price for a meter and its dimensions: the matching entry with the most match keys. */
export function priceFor(catalog: PriceCatalogT, meter: string, dimensions: Record<string, unknown>): PriceT | undefined {
  let best: PriceT | undefined;
  let bestKeys = -1;
  for (const p of catalog.prices) {
    if (p.meter !== meter) continue;
    const match = Object.entries(p.match ?? {});
    if (!match.every(([k, v]) => String(dimensions[k]) === v)) continue;
    if (match.length > bestKeys) {
      best = p;
      bestKeys = match.length;
    }
  }
  return best;
}
