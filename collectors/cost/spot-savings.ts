// What spot capacity saves against running the same requests on on-demand capacity: the
// requests on spot node pools × the catalogue's on-demand and spot CPU-hour and GB-hour rates.
import type { FleetSummary } from '../fleet/summary.ts';

export interface SpotSavings {
  spotShare: number | null;
  spotCpuRequested: number;
  spotMemoryRequestedBytes: number;
  spotPerHourUsd: number;
  onDemandPerHourUsd: number;
  savingPerHourUsd: number;
  savingShare: number | null;
}

const GIB = 2 ** 30;
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

export function spotSavings(fleet: Pick<FleetSummary, 'regions'>, rates: { cpuHour: { onDemand: number; spot: number }; gbHour: { onDemand: number; spot: number } }): SpotSavings {
  const pools = fleet.regions.flatMap((r) => r.pools);
  const spot = pools.filter((p) => p.capacityType === 'spot');
  const cpu = spot.reduce((n, p) => n + p.cpuRequested, 0);
  const mem = spot.reduce((n, p) => n + p.memoryRequestedBytes, 0);
  const allCpu = pools.reduce((n, p) => n + p.cpuRequested, 0);
  const onDemand = cpu * rates.cpuHour.onDemand + (mem / GIB) * rates.gbHour.onDemand;
  const onSpot = cpu * rates.cpuHour.spot + (mem / GIB) * rates.gbHour.spot;
  return {
    spotShare: allCpu > 0 ? r6(cpu / allCpu) : null, spotCpuRequested: r6(cpu), spotMemoryRequestedBytes: mem,
    spotPerHourUsd: r6(onSpot), onDemandPerHourUsd: r6(onDemand), savingPerHourUsd: r6(onDemand - onSpot),
    savingShare: onDemand > 0 ? r6((onDemand - onSpot) / onDemand) : null,
  };
}
