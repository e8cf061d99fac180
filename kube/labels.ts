// Well-known labels and annotations: Kubernetes' own, the clouds' and Karpenter's, and the
// ones Pilothouse writes. Every reader and writer of the cluster takes them from here.
// (The sandbox keeps its own copies: it stays independent of Pilothouse's code.)

/** first match wins: the current label, then its deprecated beta form */
export const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];
export const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
export const INSTANCE_TYPE_LABELS = ['node.kubernetes.io/instance-type', 'beta.kubernetes.io/instance-type'];
export const POOL_LABELS = ['pilothouse.io/pool', 'karpenter.sh/nodepool', 'eks.amazonaws.com/nodegroup', 'cloud.google.com/gke-nodepool', 'kubernetes.azure.com/agentpool'];
/** label → the value that means spot capacity */
export const SPOT_LABELS: ReadonlyArray<[string, string]> = [
  ['karpenter.sh/capacity-type', 'spot'],
  ['eks.amazonaws.com/capacityType', 'SPOT'],
  ['cloud.google.com/gke-spot', 'true'],
  ['cloud.google.com/gke-preemptible', 'true'],
  ['kubernetes.azure.com/scalesetpriority', 'spot'],
  ['pilothouse.io/node-pool', 'spot'],
];

/**
 * Taints that announce a node is about to go: AWS Node Termination Handler's spot and
 * rebalance notices, Karpenter's disruption taint, GKE's impending termination.
 */
export const INTERRUPTION_TAINTS = [
  'aws-node-termination-handler/spot-itn',
  'aws-node-termination-handler/rebalance-recommendation',
  'karpenter.sh/disrupted',
  'cloud.google.com/impending-node-termination',
];
/** when the node goes (RFC 3339), as the provider's instance-action notice says; else taint time + 2 min */
export const INTERRUPTION_DEADLINE_ANNOTATION = 'pilothouse.io/interruption-deadline';
export const SPOT_NOTICE_MS = 120_000;
/** the toleration a pod needs for the spot pools' taint */
export const SPOT_TAINT_KEY = 'pilothouse.io/spot';

/** the label workloads select a region by (nodeSelector / node affinity) */
export const REGION_LABEL = REGION_LABELS[0]!;

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER = 'pilothouse';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const TENANT_LABEL = 'pilothouse.io/tenant';
/** every workspace pod carries it */
export const WORKSPACE_LABEL = 'pilothouse.io/workspace';
/** the capacity type a Pilothouse workload is placed on (on-demand | spot) */
export const NODE_POOL_LABEL = 'pilothouse.io/node-pool';

/** what the operator pays for the node, USD per hour (set by the sandbox fleet; optional on real nodes) */
export const PRICE_ANNOTATION = 'pilothouse.io/price-per-hour';
/** the lease epoch of the last replica that wrote the object (kube/objects.ts) */
export const EPOCH_ANNOTATION = 'pilothouse.io/fencing-epoch';

export function firstLabel(labels: Record<string, string> | undefined, keys: readonly string[]): string | undefined {
  for (const k of keys) if (labels?.[k]) return labels[k];
  return undefined;
}

export type CapacityType = 'on-demand' | 'spot';

export function capacityTypeOf(labels: Record<string, string> | undefined): CapacityType {
  return SPOT_LABELS.some(([k, v]) => labels?.[k] === v) ? 'spot' : 'on-demand';
}

/** The node's own price from its annotation, USD per hour; undefined when absent or not a plain decimal. */
export function annotatedPrice(annotations: Record<string, string> | undefined): number | undefined {
  const v = annotations?.[PRICE_ANNOTATION]?.trim();
  return v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
}
