// Fleet cost allocation in the OpenCost manner: a node costs its capacity × hours × its
// pool's rate, or its own price when the provider states one (split between CPU and memory
// in the ratio of the catalogue's rates, as OpenCost splits a node's price); a workload is
// charged max(request, usage) × hours × the rates of the node it ran on; what the nodes cost
// beyond all workloads is idle, reported as its own line and never spread over tenants' bills.
import { Decimal } from 'decimal.js';
import type { RatesT } from './catalog.ts';

export type Pool = 'on-demand' | 'spot';

export interface NodeUsage {
  name: string;
  pool: Pool;
  cpu: number;
  memoryGb: number;
  hours: number;
  /** what the node costs an hour, USD, when the provider states it; else the pool's rates price it */
  pricePerHour?: number;
}

export interface WorkloadUsage {
  tenantId: string;
  workspaceId?: string;
  pool: Pool;
  /** the node it ran on: it is charged that node's rates (the pool's when unknown) */
  node?: string;
  cpuRequest: number;
  cpuUsage: number;
  memoryRequestGb: number;
  memoryUsageGb: number;
  hours: number;
}

export interface CostSplit {
  cpu: string;
  memory: string;
  total: string;
}

export interface FleetAllocation {
  tenants: ({ tenantId: string } & CostSplit)[];
  idle: CostSplit;
  /** what the nodes cost: tenants + idle, unless workloads were charged beyond capacity */
  nodes: CostSplit;
  /** cost charged to workloads beyond what the nodes cost (over-commit); idle is then 0 */
  overcommit: CostSplit;
}

interface NodeRates { cpu: Decimal; mem: Decimal }
const poolRates = (r: RatesT, pool: Pool): NodeRates => ({
  cpu: new Decimal(pool === 'spot' ? r.cpuHour.spot : r.cpuHour.onDemand),
  mem: new Decimal(pool === 'spot' ? r.gbHour.spot : r.gbHour.onDemand),
});
const split = (cpu: Decimal, memory: Decimal): CostSplit => ({ cpu: cpu.toString(), memory: memory.toString(), total: cpu.add(memory).toString() });

/** What a node of this capacity costs an hour at its pool's catalogue rates. */
export function listedPrice(n: Pick<NodeUsage, 'pool' | 'cpu' | 'memoryGb'>, rates: RatesT): Decimal {
  const base = poolRates(rates, n.pool);
  return base.cpu.mul(n.cpu).add(base.mem.mul(n.memoryGb));
}

/** A node's rates: its pool's, scaled so that capacity × rates is the node's own price when it has one. */
export function nodeRates(n: Omit<NodeUsage, 'hours'>, rates: RatesT): NodeRates {
  const base = poolRates(rates, n.pool);
  if (n.pricePerHour === undefined) return base;
  const listed = listedPrice(n, rates);
  // Without rates to split by, the price goes by capacity alone: it is still the node's cost.
  if (listed.isZero()) return n.cpu > 0 ? { cpu: new Decimal(n.pricePerHour).div(n.cpu), mem: new Decimal(0) } : base;
  const scale = new Decimal(n.pricePerHour).div(listed);
  return { cpu: base.cpu.mul(scale), mem: base.mem.mul(scale) };
}

export function allocateFleetCost(nodes: readonly NodeUsage[], workloads: readonly WorkloadUsage[], rates: RatesT): FleetAllocation {
  let nodeCpu = new Decimal(0);
  let nodeMem = new Decimal(0);
  const ratesOf = new Map<string, NodeRates>();
  for (const n of nodes) {
    const r = nodeRates(n, rates);
    ratesOf.set(n.name, r);
    nodeCpu = nodeCpu.add(r.cpu.mul(n.cpu).mul(n.hours));
    nodeMem = nodeMem.add(r.mem.mul(n.memoryGb).mul(n.hours));
  }
  const byTenant = new Map<string, { cpu: Decimal; mem: Decimal }>();
  let usedCpu = new Decimal(0);
  let usedMem = new Decimal(0);
  for (const w of workloads) {
    const r = (w.node !== undefined ? ratesOf.get(w.node) : undefined) ?? poolRates(rates, w.pool);
    const cpu = r.cpu.mul(Math.max(w.cpuRequest, w.cpuUsage)).mul(w.hours);
    const mem = r.mem.mul(Math.max(w.memoryRequestGb, w.memoryUsageGb)).mul(w.hours);
    const t = byTenant.get(w.tenantId) ?? { cpu: new Decimal(0), mem: new Decimal(0) };
    byTenant.set(w.tenantId, { cpu: t.cpu.add(cpu), mem: t.mem.add(mem) });
    usedCpu = usedCpu.add(cpu);
    usedMem = usedMem.add(mem);
  }
  const zero = new Decimal(0);
  return {
    tenants: [...byTenant].sort(([a], [b]) => a.localeCompare(b)).map(([tenantId, c]) => ({ tenantId, ...split(c.cpu, c.mem) })),
    idle: split(Decimal.max(zero, nodeCpu.sub(usedCpu)), Decimal.max(zero, nodeMem.sub(usedMem))),
    nodes: split(nodeCpu, nodeMem),
    overcommit: split(Decimal.max(zero, usedCpu.sub(nodeCpu)), Decimal.max(zero, usedMem.sub(nodeMem))),
  };
}
