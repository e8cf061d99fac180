// The headroom placeholders as Kubernetes objects: a PriorityClass below every workload and
// a Deployment of pause containers per region and node pool, each pod the size of one base
// sandbox, placed exactly where that pool's workspaces go. Pure.
import { formatBytes, formatCpu } from '../../kube/quantity.ts';
import { workspaceSize } from '../../tenancy/workspace-sizes.ts';
import { MANAGED_BY, MANAGER, type KObject } from '../../kube/objects.ts';
import { COMPONENT_LABEL, NODE_POOL_LABEL, REGION_LABEL, placement } from '../workspaces/manifests.ts';
import { HEADROOM_NAMESPACE, HEADROOM_PRIORITY, HEADROOM_PRIORITY_CLASS, headroomName, type PoolName } from './decide.ts';

export const HEADROOM_COMPONENT = 'headroom';
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
/** every placeholder Deployment carries these: the autoscaler lists by them */
export const HEADROOM_SELECTOR = `${MANAGED_BY}=${MANAGER},${COMPONENT_LABEL}=${HEADROOM_COMPONENT}`;

export function headroomNamespaceManifest(): KObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HEADROOM_NAMESPACE, labels: { [MANAGED_BY]: MANAGER } } };
}

export function headroomPriorityClassManifest(): KObject {
  return {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass',
    metadata: { name: HEADROOM_PRIORITY_CLASS, labels: { [MANAGED_BY]: MANAGER } },
    value: HEADROOM_PRIORITY,
    globalDefault: false,
    // Placeholders only ever wait; they must never evict anything themselves.
    preemptionPolicy: 'Never',
    description: 'Pilothouse headroom placeholders: spare capacity that any workspace preempts',
  } as KObject;
}

export function headroomDeploymentManifest(region: string, pool: PoolName, replicas: number): KObject {
  const size = workspaceSize(1);
  const labels = { [MANAGED_BY]: MANAGER, [COMPONENT_LABEL]: HEADROOM_COMPONENT, [REGION_LABEL]: region, [NODE_POOL_LABEL]: pool };
  const requests = { cpu: formatCpu(size.cpuCores), memory: formatBytes(size.memoryBytes) };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: headroomName(region, pool), namespace: HEADROOM_NAMESPACE, labels },
    spec: {
      replicas,
      selector: { matchLabels: { [COMPONENT_LABEL]: HEADROOM_COMPONENT, [REGION_LABEL]: region, [NODE_POOL_LABEL]: pool } },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: HEADROOM_PRIORITY_CLASS,
          // A preempted placeholder should free its room at once.
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          // Exactly where this pool's workspaces go, so that they can take its room.
          ...placement(region, pool),
          securityContext: { runAsNonRoot: true, runAsUser: 65535 },
          containers: [{
            name: 'pause',
            image: PAUSE_IMAGE,
            resources: { requests, limits: { memory: requests.memory } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          }],
        },
      },
    },
  };
}
