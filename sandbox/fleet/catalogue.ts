// The demo fleet's shape: regions, node pools and their prices, and how long things take.
// Sizes and times follow shared/DOMAIN.md (planning unit 0.5 vCPU / 4 GiB per sandbox, ~15
// sandboxes on a 16 vCPU / 64 GiB node; startup ~15 s warm, 30-60 s common).
export const NODE_POOL_LABEL = 'pilothouse.io/node-pool';
export const SPOT_TAINT_KEY = 'pilothouse.io/spot';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
export const CAPACITY_TYPE_LABEL = 'karpenter.sh/capacity-type';
/** the price an operator pays for the node, USD per hour (a convenience for demo cost views) */
export const PRICE_ANNOTATION = 'pilothouse.io/price-per-hour';

export interface InstanceType {
  name: string;
  cpu: number;
  memoryGiB: number;
  onDemandPerHour: number;
  spotPerHour: number;
}

/** A general-purpose 16 vCPU / 64 GiB machine: the planning unit's node. */
export const INSTANCE_TYPES: InstanceType[] = [
  { name: 'm6i.4xlarge', cpu: 16, memoryGiB: 64, onDemandPerHour: 0.768, spotPerHour: 0.291 },
  { name: 'm6i.2xlarge', cpu: 8, memoryGiB: 32, onDemandPerHour: 0.384, spotPerHour: 0.146 },
];

export interface NodePoolSpec {
  /** unique in the fleet, such as `eu-west-on-demand` */
  name: string;
  region: string;
  zones: string[];
  capacityType: 'on-demand' | 'spot';
  instanceType: string;
  min: number;
  max: number;
  /** nodes at start */
  initial: number;
}

export interface RegionSpec { name: string; zones: string[] }

export const DEMO_REGIONS: RegionSpec[] = [
  { name: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b'] },
  { name: 'us-east-1', zones: ['us-east-1a', 'us-east-1b'] },
];

export function demoNodePools(regions: RegionSpec[] = DEMO_REGIONS): NodePoolSpec[] {
  return regions.flatMap((r) => [
    { name: `${r.name}-on-demand`, region: r.name, zones: r.zones, capacityType: 'on-demand' as const, instanceType: 'm6i.4xlarge', min: 1, max: 6, initial: 2 },
    { name: `${r.name}-spot`, region: r.name, zones: r.zones, capacityType: 'spot' as const, instanceType: 'm6i.4xlarge', min: 0, max: 6, initial: 1 },
  ]);
}

export interface FleetTimings {
  /** how often the simulated control plane reconciles */
  tickMs: number;
  /** bound → containers running (image pull and start), a range */
  startMs: [number, number];
  /** share of starts that pull the image first and take `coldStartMs` */
  coldStartShare: number;
  coldStartMs: [number, number];
  /** running → ready (the agent server answers /alive) */
  readyMs: [number, number];
  /** a terminating pod is gone after min(grace period, this) */
  terminateMs: number;
  /** a claim is bound after this */
  pvcBindMs: number;
  /** unschedulable pods wait this long, then the cluster autoscaler asks for a node */
  scaleUpDelayMs: number;
  /** a requested node joins after this */
  nodeProvisionMs: number;
  /** an empty node above its pool's minimum is removed after this */
  scaleDownAfterMs: number;
  /** spot reclaims per spot node per hour (0: never) */
  spotInterruptionsPerHour: number;
  /** warning before a reclaimed spot node goes */
  spotNoticeMs: number;
  /** events are deleted after this, as the API server's event TTL does */
  eventTtlMs: number;
}

export const DEMO_TIMINGS: FleetTimings = {
  tickMs: 1000,
  // ~15 s warm and up to ~30 s commonly; one start in twenty pulls the image first.
  startMs: [6_000, 20_000],
  coldStartShare: 0.05,
  coldStartMs: [60_000, 120_000],
  readyMs: [1_000, 5_000],
  terminateMs: 5_000,
  pvcBindMs: 1_000,
  scaleUpDelayMs: 10_000,
  nodeProvisionMs: 60_000,
  scaleDownAfterMs: 10 * 60_000,
  spotInterruptionsPerHour: 0.2,
  spotNoticeMs: 120_000,
  eventTtlMs: 60 * 60_000,
};

/** Fast enough for tests, still ordered as in life (scheduled, then running, then ready). */
export const TEST_TIMINGS: FleetTimings = {
  tickMs: 20,
  startMs: [40, 60],
  coldStartShare: 0,
  coldStartMs: [40, 60],
  readyMs: [40, 60],
  terminateMs: 30,
  pvcBindMs: 10,
  scaleUpDelayMs: 50,
  nodeProvisionMs: 100,
  scaleDownAfterMs: 300,
  spotInterruptionsPerHour: 0,
  spotNoticeMs: 100,
  eventTtlMs: 60 * 60_000,
};
