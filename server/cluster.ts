// Which Kubernetes cluster Pilothouse manages: a real one (KUBECONFIG), the simulated demo
// fleet (sandbox/, started by server/demo.ts), or none. The controllers take their
// Kubernetes access from here; the console shows `simulated` plainly.
import type { Config } from './config.ts';

export interface FleetSummary {
  regions: string[];
  nodePools: Array<{ name: string; region: string; capacityType: string; nodes: number; pricePerHour: number }>;
  nodes: number;
  pods: number;
}

export interface TrafficSummary {
  tenants: number;
  rounds: number;
  events: number;
  duplicates: number;
  rejected: number;
  spans: number;
  apiCalls: number;
  errors: number;
  refusals: number;
  skipped: string[];
}

export interface ClusterAccess {
  mode: 'simulated' | 'kubeconfig' | 'in-cluster' | 'none';
  /** the sandbox API server's URL (for the client's loadFromOptions) when simulated */
  server?: string;
  /** the kubeconfig file when managing a real cluster */
  kubeconfig?: string;
  fleet?: () => FleetSummary;
  traffic?: () => TrafficSummary | undefined;
}

/** Without a running demo: the kubeconfig if one is configured, the pod's own cluster, else none. */
export function clusterFromConfig(config: Pick<Config, 'KUBECONFIG' | 'KUBERNETES_SERVICE_HOST'>): ClusterAccess {
  if (config.KUBECONFIG) return { mode: 'kubeconfig', kubeconfig: config.KUBECONFIG };
  return config.KUBERNETES_SERVICE_HOST ? { mode: 'in-cluster' } : { mode: 'none' };
}

/** The client options (kube/client.ts KubeOptions) for this access, if any. */
export function kubeOptionsOf(c: ClusterAccess): { server: string } | { kubeconfig: string } | { inCluster: true } | undefined {
  if (c.mode === 'in-cluster') return { inCluster: true };
  if (c.mode === 'simulated' && c.server) return { server: c.server };
  if (c.mode === 'kubeconfig' && c.kubeconfig) return { kubeconfig: c.kubeconfig };
  return undefined;
}
