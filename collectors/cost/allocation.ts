// Fleet cost allocation in the OpenCost manner: a node costs its capacity × hours × its
// pool's rate; a workload is charged max(request, usage) × hours × the rate of the pool it
// ran on; what the nodes cost beyond all workloads is idle, reported as its own line and
// never spread over tenants' bills.
import { Decimal } from 'decimal.js';
import type { RatesT } from './catalog.ts';

export type Pool = 'on-demand' | 'spot';

export interface NodeUsage {
  name: string;
  pool: Pool;
  cpu: number;
  memoryGb: number;
  hours: number;
}

export interface WorkloadUsage {
  tenantId: string;
  workspaceId?: string;
  pool: Pool;
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

const rate = (r: RatesT, kind: 'cpuHour' | 'gbHour', pool: Pool) => new Decimal(pool === 'spot' ? r[kind].spot : r[kind].onDemand);
const split = (cpu: Decimal, memory: Decimal): CostSplit => ({ cpu: cpu.toString(), memory: memory.toString(), total: cpu.add(memory).toString() });

export function allocateFleetCost(nodes: readonly NodeUsage[], workloads: readonly WorkloadUsage[], rates: RatesT): FleetAllocation {
  let nodeCpu = new Decimal(0);
  let nodeMem = new Decimal(0);
  for (const n of nodes) {
    nodeCpu = nodeCpu.add(rate(rates, 'cpuHour', n.pool).mul(n.cpu).mul(n.hours));
    nodeMem = nodeMem.add(rate(rates, 'gbHour', n.pool).mul(n.memoryGb).mul(n.hours));
  }
  const byTenant = new Map<string, { cpu: Decimal; mem: Decimal }>();
  let usedCpu = new Decimal(0);
  let usedMem = new Decimal(0);
  for (const w of workloads) {
    const cpu = rate(rates, 'cpuHour', w.pool).mul(Math.max(w.cpuRequest, w.cpuUsage)).mul(w.hours);
    const mem = rate(rates, 'gbHour', w.pool).mul(Math.max(w.memoryRequestGb, w.memoryUsageGb)).mul(w.hours);
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
