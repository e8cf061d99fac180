// What a workspace is on Kubernetes, as plain objects: a Deployment of one replica (zero
// when paused), a Service, the workspace volume's PVC and a PodDisruptionBudget that forbids
// voluntary evictions, all in the tenant's namespace and labelled with tenant and workspace.
// Pure: the lifecycle controller compares these with what it observes.
import { formatBytes, formatCpu } from '../../kube/quantity.ts';
import { workspaceSize } from '../../tenancy/workspace-sizes.ts';
import type { KObject, KindName } from '../../kube/objects.ts';
import { COMPONENT_LABEL, MANAGED_BY, MANAGER, NAME_LABEL, NODE_POOL_LABEL, REGION_LABEL, TENANT_LABEL, WORKSPACE_LABEL } from '../../kube/labels.ts';

export { COMPONENT_LABEL, NAME_LABEL, NODE_POOL_LABEL, REGION_LABEL, TENANT_LABEL, WORKSPACE_LABEL };

export const SANDBOX_NAME = 'openhands-sandbox';
export const DEFAULT_IMAGE = 'ghcr.io/openhands/agent-server:latest';
/** the agent server and VS Code ports of an OpenHands sandbox */
export const AGENT_PORT = 60000;
export const VSCODE_PORT = 60001;
export const SANDBOX_UID = 1000;
/** every object Pilothouse manages carries this; the lifecycle controller lists by it */
export const MANAGED_SELECTOR = `${MANAGED_BY}=${MANAGER},${WORKSPACE_LABEL}`;

/** The fields of a workspace its objects depend on. */
export interface WorkspaceSpec {
  id: string;
  tenantId: string;
  resourceFactor: number;
  nodePool: 'on-demand' | 'spot';
  region: string;
  repository: string | null;
  /** the VolumeSnapshot its volume is restored from, when brought back from the archive */
  restoreFrom?: string | null;
}

export const namespaceFor = (tenantId: string) => `tenant-${tenantId}`;
export const objectName = (workspaceId: string) => `ws-${workspaceId}`;

export function workspaceLabels(ws: Pick<WorkspaceSpec, 'id' | 'tenantId'>): Record<string, string> {
  return {
    [MANAGED_BY]: MANAGER,
    [NAME_LABEL]: SANDBOX_NAME,
    [TENANT_LABEL]: ws.tenantId,
    [WORKSPACE_LABEL]: ws.id,
  };
}

/** Pods of one workspace; the Service, PDB and Deployment select by these. */
const selector = (ws: Pick<WorkspaceSpec, 'id'>) => ({ [WORKSPACE_LABEL]: ws.id, [COMPONENT_LABEL]: 'sandbox' });


/** Where a sandbox of this region and node pool runs: its node selector and, on spot, the spot taint's toleration. */
export function placement(region: string, nodePool: string): { nodeSelector: Record<string, string>; tolerations?: { key: string; operator: string; effect: string }[] } {
  return {
    nodeSelector: { [REGION_LABEL]: region, [NODE_POOL_LABEL]: nodePool },
    ...(nodePool === 'spot' ? { tolerations: [{ key: 'pilothouse.io/spot', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
  };
}

export function namespaceManifest(tenantId: string): KObject {
  return {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: namespaceFor(tenantId), labels: { [MANAGED_BY]: MANAGER, [TENANT_LABEL]: tenantId } },
  };
}

export function pvcManifest(ws: WorkspaceSpec): KObject {
  const size = workspaceSize(ws.resourceFactor);
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: objectName(ws.id), namespace: namespaceFor(ws.tenantId), labels: workspaceLabels(ws) },
    spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: formatBytes(size.volumeBytes) } },
      ...(ws.restoreFrom ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: ws.restoreFrom } } : {}),
    },
  };
}

/** The snapshot of a workspace's volume taken when it is archived. */
export const archiveSnapshotName = (workspaceId: string) => `${objectName(workspaceId)}-archive`;

export function archiveSnapshotManifest(ws: Pick<WorkspaceSpec, 'id' | 'tenantId'>, className: string): KObject {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot',
    metadata: { name: archiveSnapshotName(ws.id), namespace: namespaceFor(ws.tenantId), labels: workspaceLabels(ws) },
    spec: { volumeSnapshotClassName: className, source: { persistentVolumeClaimName: objectName(ws.id) } },
  };
}

export function serviceManifest(ws: WorkspaceSpec): KObject {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: objectName(ws.id), namespace: namespaceFor(ws.tenantId), labels: workspaceLabels(ws) },
    spec: {
      type: 'ClusterIP',
      selector: selector(ws),
      ports: [
        { name: 'agent', port: AGENT_PORT, targetPort: AGENT_PORT, protocol: 'TCP' },
        { name: 'vscode', port: VSCODE_PORT, targetPort: VSCODE_PORT, protocol: 'TCP' },
      ],
    },
  };
}

export function pdbManifest(ws: WorkspaceSpec): KObject {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: { name: objectName(ws.id), namespace: namespaceFor(ws.tenantId), labels: workspaceLabels(ws) },
    // A sandbox holds a live agent session: no voluntary eviction may take it down.
    spec: { maxUnavailable: 0, selector: { matchLabels: selector(ws) } },
  };
}

export function deploymentManifest(ws: WorkspaceSpec, replicas: 0 | 1, image = DEFAULT_IMAGE): KObject {
  const size = workspaceSize(ws.resourceFactor);
  const resources = {
    cpu: formatCpu(size.cpuCores),
    memory: formatBytes(size.memoryBytes),
    'ephemeral-storage': formatBytes(size.ephemeralBytes),
  };
  const labels = workspaceLabels(ws);
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: objectName(ws.id), namespace: namespaceFor(ws.tenantId), labels },
    spec: {
      replicas,
      // One sandbox, one volume: never two pods on the same ReadWriteOnce claim.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector(ws) },
      template: {
        metadata: { labels: { ...labels, ...selector(ws) } },
        spec: {
          securityContext: { runAsUser: SANDBOX_UID, runAsGroup: SANDBOX_UID, fsGroup: SANDBOX_UID, runAsNonRoot: true },
          ...placement(ws.region, ws.nodePool),
          containers: [{
            name: 'sandbox',
            image,
            ports: [
              { name: 'agent', containerPort: AGENT_PORT },
              { name: 'vscode', containerPort: VSCODE_PORT },
            ],
            env: [
              { name: 'WORKSPACE_ID', value: ws.id },
              ...(ws.repository ? [{ name: 'REPOSITORY', value: ws.repository }] : []),
            ],
            // memory limit = request: a sandbox is never overcommitted into the OOM killer's reach
            resources: { requests: resources, limits: { memory: resources.memory, 'ephemeral-storage': resources['ephemeral-storage'] } },
            securityContext: {
              runAsUser: SANDBOX_UID,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
            },
            readinessProbe: { httpGet: { path: '/alive', port: AGENT_PORT }, periodSeconds: 2 },
            volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
          }],
          volumes: [{ name: 'workspace', persistentVolumeClaim: { claimName: objectName(ws.id) } }],
        },
      },
    },
  };
}

export function manifestFor(kind: KindName, ws: WorkspaceSpec, replicas: 0 | 1): KObject {
  switch (kind) {
    case 'PersistentVolumeClaim': return pvcManifest(ws);
    case 'Service': return serviceManifest(ws);
    case 'PodDisruptionBudget': return pdbManifest(ws);
    case 'Deployment': return deploymentManifest(ws, replicas);
    default: throw new Error(`a workspace has no ${kind}`);
  }
}

/** The order objects are created in (the Deployment last: its pod mounts the claim). */
export const WORKSPACE_KINDS = ['PersistentVolumeClaim', 'Service', 'PodDisruptionBudget', 'Deployment'] as const;
export type WorkspaceKind = (typeof WORKSPACE_KINDS)[number];
