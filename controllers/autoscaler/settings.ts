// The headroom autoscaler's settings and their defaults, apart from decide.ts so that the
// predictive arithmetic and the knobs can name them without an import cycle.

export type PoolName = 'on-demand' | 'spot';

export interface HeadroomSettings {
  /** how long a new node takes to be ready: the window whose starts headroom must absorb */
  leadTimeMinutes: number;
  /** how far back the busiest window is looked for (reactive policy) */
  lookbackMinutes: number;
  /** placeholder pods per region and pool, at least and at most */
  minPerPool: number;
  maxPerPool: number;
  /** reactive: the busiest window of the last hour; predictive: a forecast and a Poisson quantile */
  policy: 'reactive' | 'predictive';
  /** predictive: the chance a start may find the pool empty */
  emptyProbability: number;
  /** predictive: a scale-down waits until the pool wanted has been lower for this long */
  stabilizationMinutes: number;
  /** what one base-size placeholder costs per hour, by pool (the catalogue's on-demand and spot rates) */
  unitCostPerHour: Record<PoolName, number>;
  /** all pools together cost at most this per hour (null: no ceiling) */
  costCeilingPerHour: number | null;
}

/** 0.5 vCPU and 3 GiB at the default catalogue's rates (CPU 0.040/0.012, GiB 0.005/0.0015 per hour). */
export const BASE_UNIT_COST_PER_HOUR: Record<PoolName, number> = { 'on-demand': 0.035, spot: 0.0105 };

export const DEFAULT_HEADROOM: HeadroomSettings = {
  leadTimeMinutes: 5, lookbackMinutes: 60, minPerPool: 0, maxPerPool: 40,
  policy: 'predictive', emptyProbability: 0.01, stabilizationMinutes: 15,
  unitCostPerHour: BASE_UNIT_COST_PER_HOUR, costCeilingPerHour: null,
};
