// Which Kubernetes cluster Pilothouse manages: a real one (KUBECONFIG), the simulated demo
// fleet (sandbox/, started by server/demo.ts), or none. The controllers take their
// Kubernetes access from here; the console shows `simulated` plainly.
import { Type, type Static } from 'typebox';
import type { Config } from './config.ts';

/** The simulated demo fleet at a glance (the live fleet is collectors/fleet/summary.ts's FleetSummary). */
export const DemoFleet = Type.Object({
  regions: Type.Array(Type.String()),
  nodePools: Type.Array(Type.Object({ name: Type.String(), region: Type.String(), capacityType: Type.String(), nodes: Type.Integer(), pricePerHour: Type.Number() })),
  nodes: Type.Integer(),
  pods: Type.Integer(),
});
export type DemoFleet = Static<typeof DemoFleet>;

/** What the demo's synthetic tenants have sent so far. */
export const DemoTraffic = Type.Object({
  tenants: Type.Integer(), rounds: Type.Integer(), events: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Integer(),
  spans: Type.Integer(), apiCalls: Type.Integer(), errors: Type.Integer(), refusals: Type.Integer(),
  skipped: Type.Array(Type.String(), { description: 'ingestion endpoints the synthetic tenants found missing and skip' }),
});
export type DemoTraffic = Static<typeof DemoTraffic>;

export interface ClusterAccess {
  mode: 'simulated' | 'kubeconfig' | 'in-cluster' | 'none';
  /** the sandbox API server's URL (for the client's loadFromOptions) when simulated */
  server?: string;
  /** the kubeconfig file when managing a real cluster */
  kubeconfig?: string;
  fleet?: () => DemoFleet;
  traffic?: () => DemoTraffic | undefined;
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
