// Each region's front door as a health-checker sees it: `GET /sandbox/v1/regions/<name>/healthz`
// answers 200 while the region is up. An outage makes it stop answering (the request is
// held until the checker gives up, as a dead load balancer does) or refuse with 503, until
// the region is brought back. Regions are the ones the fleet's nodes are labelled with.
import type { ObjectStore } from '../k8s/store.ts';
import { resourceByKey } from '../k8s/resources.ts';
import { REGION_LABEL } from './catalogue.ts';

const NODES = resourceByKey('nodes');

export type OutageMode = 'hang' | 'refuse';

export interface RegionState { name: string; up: boolean; mode?: OutageMode; since?: string; nodes: number }

export class RegionGateways {
  private readonly outages = new Map<string, { mode: OutageMode; since: string }>();
  private readonly store: ObjectStore;

  constructor(store: ObjectStore) {
    this.store = store;
  }

  /** Regions the fleet has nodes in, plus any taken down. */
  list(): RegionState[] {
    const counts = new Map<string, number>();
    for (const n of this.store.list(NODES, undefined).items) {
      const r = n.metadata.labels?.[REGION_LABEL];
      if (r) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    for (const r of this.outages.keys()) if (!counts.has(r)) counts.set(r, 0);
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, nodes]) => {
      const o = this.outages.get(name);
      return { name, up: !o, nodes, ...(o ? { mode: o.mode, since: o.since } : {}) };
    });
  }

  known(region: string): boolean {
    return this.list().some((r) => r.name === region);
  }

  /** The region's API and probes stop answering (`hang`) or answer 503 (`refuse`). */
  down(region: string, mode: OutageMode = 'hang'): void {
    this.outages.set(region, { mode, since: new Date().toISOString() });
  }

  up(region: string): void {
    this.outages.delete(region);
  }

  state(region: string): { up: true } | { up: false; mode: OutageMode } {
    const o = this.outages.get(region);
    return o ? { up: false, mode: o.mode } : { up: true };
  }
}
