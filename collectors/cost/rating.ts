// Rating: usage in, cost out, with exact decimal arithmetic. Flat prices multiply; graduated
// prices charge each unit at the tier its place in the period's running total falls in, so
// the cost of an hour is F(total after) − F(total before), with F the tiered cost function.
// That makes negative corrections give money back at the tier they came from.
import { Decimal } from 'decimal.js';
import { catalogAt, priceFor, type PriceCatalogT, type PriceT } from './catalog.ts';

export interface UsageLine {
  hour: Date;
  meter: string;
  dimensions: Record<string, unknown>;
  workspaceId: string | null;
  /** decimal text */
  quantity: string;
}

export interface RatedLine extends UsageLine {
  /** decimal text, full precision */
  cost: string;
  /** catalogue version that priced it; null when no catalogue or price applies */
  version: string | null;
}

/** F(q): the cost of a cumulative quantity q under a price. */
export function tieredCost(price: PriceT, q: Decimal): Decimal {
  const per = new Decimal(price.per ?? 1);
  if (price.tiers === undefined) return q.mul(new Decimal(price.unitPrice!)).div(per);
  if (q.isNegative()) return q.mul(new Decimal(price.tiers[0]!.unitPrice)).div(per);
  let cost = new Decimal(0);
  let floor = new Decimal(0);
  for (const tier of price.tiers) {
    const ceil = tier.upTo === null ? q : Decimal.min(q, tier.upTo);
    if (ceil.gt(floor)) cost = cost.add(ceil.sub(floor).mul(new Decimal(tier.unitPrice)));
    if (tier.upTo === null || q.lte(tier.upTo)) break;
    floor = new Decimal(tier.upTo);
  }
  return cost.div(per);
}

/**
 * Rates the usage of one tenant over one billing period. Lines are priced in time order
 * with the catalogue version in force at their hour; graduated tiers count the period's
 * running total per meter and price entry, across version changes.
 */
export function rateUsage(lines: readonly UsageLine[], catalogs: readonly PriceCatalogT[]): RatedLine[] {
  const order = lines.map((l, i) => ({ l, i })).sort((a, b) =>
    a.l.hour.getTime() - b.l.hour.getTime() || a.l.meter.localeCompare(b.l.meter) || (a.l.workspaceId ?? '').localeCompare(b.l.workspaceId ?? '')
    || JSON.stringify(a.l.dimensions).localeCompare(JSON.stringify(b.l.dimensions)));
  const running = new Map<string, Decimal>();
  const out = new Array<RatedLine>(lines.length);
  for (const { l, i } of order) {
    const catalog = catalogAt(catalogs, l.hour);
    const price = catalog && priceFor(catalog, l.meter, l.dimensions);
    if (!catalog || !price) {
      out[i] = { ...l, cost: '0', version: null };
      continue;
    }
    const key = `${l.meter} ${JSON.stringify(Object.entries(price.match ?? {}).sort())}`;
    const before = running.get(key) ?? new Decimal(0);
    const after = before.add(l.quantity);
    running.set(key, after);
    out[i] = { ...l, cost: tieredCost(price, after).sub(tieredCost(price, before)).toString(), version: catalog.version };
  }
  return out;
}

/** Money rounded for display and totals (half-up to the cent, or finer). */
export function roundMoney(v: Decimal.Value, places = 2): string {
  return new Decimal(v).toDecimalPlaces(places, Decimal.ROUND_HALF_UP).toFixed(places);
}
