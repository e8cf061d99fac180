// Fleet cost allocation (OpenCost manner): max(request, usage) × hours × rate; idle apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateFleetCost } from '../../../collectors/cost/allocation.ts';

const rates = { cpuHour: { onDemand: '0.04', spot: '0.012' }, gbHour: { onDemand: '0.005', spot: '0.0015' }, storageGbMonth: '0.1' };

test('a workload is charged the larger of its request and its usage', () => {
  const r = allocateFleetCost(
    [{ name: 'n1', pool: 'on-demand', cpu: 16, memoryGb: 64, hours: 10 }],
    [
      { tenantId: 'a', pool: 'on-demand', cpuRequest: 0.5, cpuUsage: 0.2, memoryRequestGb: 3, memoryUsageGb: 4, hours: 10 },
      { tenantId: 'b', pool: 'on-demand', cpuRequest: 1, cpuUsage: 2, memoryRequestGb: 3, memoryUsageGb: 1, hours: 10 },
    ],
    rates,
  );
  // a: 0.5 CPU × 10 h × 0.04 = 0.2; 4 GB × 10 h × 0.005 = 0.2
  assert.deepEqual(r.tenants[0], { tenantId: 'a', cpu: '0.2', memory: '0.2', total: '0.4' });
  // b: 2 CPU × 10 h × 0.04 = 0.8; 3 GB × 10 × 0.005 = 0.15
  assert.deepEqual(r.tenants[1], { tenantId: 'b', cpu: '0.8', memory: '0.15', total: '0.95' });
});

test('what the nodes cost beyond the workloads is idle, a line of its own', () => {
  const r = allocateFleetCost(
    [{ name: 'n1', pool: 'on-demand', cpu: 16, memoryGb: 64, hours: 10 }, { name: 's1', pool: 'spot', cpu: 8, memoryGb: 32, hours: 5 }],
    [{ tenantId: 'a', pool: 'spot', cpuRequest: 2, cpuUsage: 1, memoryRequestGb: 8, memoryUsageGb: 8, hours: 5 }],
    rates,
  );
  // nodes: CPU 16×10×0.04 + 8×5×0.012 = 6.4 + 0.48 = 6.88; memory 64×10×0.005 + 32×5×0.0015 = 3.2 + 0.24 = 3.44
  assert.deepEqual(r.nodes, { cpu: '6.88', memory: '3.44', total: '10.32' });
  // a: CPU 2×5×0.012 = 0.12; memory 8×5×0.0015 = 0.06
  assert.deepEqual(r.idle, { cpu: '6.76', memory: '3.38', total: '10.14' });
  assert.equal(Number(r.tenants[0]!.total) + Number(r.idle.total), Number(r.nodes.total));
});

test('workloads charged beyond node capacity show as over-commit, never as negative idle', () => {
  const r = allocateFleetCost(
    [{ name: 'n1', pool: 'on-demand', cpu: 1, memoryGb: 1, hours: 1 }],
    [{ tenantId: 'a', pool: 'on-demand', cpuRequest: 2, cpuUsage: 0, memoryRequestGb: 1, memoryUsageGb: 0, hours: 1 }],
    rates,
  );
  assert.deepEqual(r.idle, { cpu: '0', memory: '0', total: '0' });
  assert.deepEqual(r.overcommit, { cpu: '0.04', memory: '0', total: '0.04' });
});

test('a node with its own price costs exactly that, split between CPU and memory in the ratio of the rates', () => {
  // Rates list 16 × 0.04 + 64 × 0.005 = 0.96 an hour; the provider says 0.768, so both parts scale by 0.8.
  const r = allocateFleetCost([{ name: 'n1', pool: 'on-demand', cpu: 16, memoryGb: 64, hours: 10, pricePerHour: 0.768 }], [], rates);
  assert.deepEqual(r.nodes, { cpu: '5.12', memory: '2.56', total: '7.68' });
  assert.deepEqual(r.idle, r.nodes);
});

test('a workload is charged the rates of the node it ran on, and the pool\'s where the node is unknown', () => {
  const r = allocateFleetCost(
    [{ name: 'cheap', pool: 'on-demand', cpu: 16, memoryGb: 64, hours: 1, pricePerHour: 0.48 }, { name: 'listed', pool: 'on-demand', cpu: 16, memoryGb: 64, hours: 1 }],
    [
      { tenantId: 'a', pool: 'on-demand', node: 'cheap', cpuRequest: 1, cpuUsage: 0, memoryRequestGb: 4, memoryUsageGb: 0, hours: 1 },
      { tenantId: 'b', pool: 'on-demand', node: 'listed', cpuRequest: 1, cpuUsage: 0, memoryRequestGb: 4, memoryUsageGb: 0, hours: 1 },
      { tenantId: 'c', pool: 'on-demand', cpuRequest: 1, cpuUsage: 0, memoryRequestGb: 4, memoryUsageGb: 0, hours: 1 },
    ],
    rates,
  );
  // cheap is half its listed 0.96: a pays half of b's 0.04 + 0.02; c, on no known node, pays the pool's rates.
  assert.deepEqual(r.tenants.map((x) => [x.tenantId, x.total]), [['a', '0.03'], ['b', '0.06'], ['c', '0.06']]);
  assert.deepEqual(r.nodes, { cpu: '0.96', memory: '0.48', total: '1.44' });
});

test('a priced node in a catalogue without rates is charged by CPU alone, its price unchanged', () => {
  const none = { cpuHour: { onDemand: '0', spot: '0' }, gbHour: { onDemand: '0', spot: '0' }, storageGbMonth: '0' };
  const r = allocateFleetCost([{ name: 'n1', pool: 'spot', cpu: 8, memoryGb: 32, hours: 1, pricePerHour: 0.2 }],
    [{ tenantId: 'a', pool: 'spot', node: 'n1', cpuRequest: 2, cpuUsage: 0, memoryRequestGb: 8, memoryUsageGb: 0, hours: 1 }], none);
  assert.equal(r.nodes.total, '0.2');
  assert.equal(r.tenants[0]!.total, '0.05');
});
