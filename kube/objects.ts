// The few writes controllers make, made safe: creates that absorb "already exists",
// read-modify-replace guarded by resourceVersion (a 409 means read again, never overwrite),
// deletes with a resourceVersion precondition, and a fencing epoch on every object written:
// a replica holding an older epoch than the object carries refuses to touch it.
import type * as k8s from '@kubernetes/client-node';
import { type Kube, reasonOf, statusOf } from './client.ts';
import { FencedError } from './errors.ts';
import { EPOCH_ANNOTATION, MANAGED_BY, MANAGER } from './labels.ts';

export { MANAGED_BY, MANAGER, EPOCH_ANNOTATION };
export const MAX_CONFLICT_RETRIES = 5;

export type KindName = 'Namespace' | 'Deployment' | 'Service' | 'PersistentVolumeClaim' | 'PodDisruptionBudget' | 'ResourceQuota' | 'Pod' | 'PriorityClass' | 'VolumeSnapshot' | 'Node' | 'ConfigMap';

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: k8s.V1ObjectMeta;
  spec?: any;
  status?: any;
}

interface KindOps {
  read(k: Kube, ns: string, name: string): Promise<KObject>;
  create(k: Kube, ns: string, body: KObject): Promise<KObject>;
  replace(k: Kube, ns: string, name: string, body: KObject): Promise<KObject>;
  remove(k: Kube, ns: string, name: string, body: k8s.V1DeleteOptions): Promise<unknown>;
  list(k: Kube, labelSelector: string): Promise<{ items: KObject[] }>;
}

const unsupported = (what: string) => () => Promise.reject(new Error(`${what} is not supported`));

const KINDS: Record<KindName, KindOps> = {
  Namespace: {
    read: (k, _ns, name) => k.core.readNamespace({ name }),
    create: (k, _ns, body) => k.core.createNamespace({ body: body as k8s.V1Namespace }),
    replace: (k, _ns, name, body) => k.core.replaceNamespace({ name, body: body as k8s.V1Namespace }),
    remove: unsupported('deleting a namespace'),
    list: (k, labelSelector) => k.core.listNamespace({ labelSelector }),
  },
  Deployment: {
    read: (k, namespace, name) => k.apps.readNamespacedDeployment({ namespace, name }),
    create: (k, namespace, body) => k.apps.createNamespacedDeployment({ namespace, body: body as k8s.V1Deployment }),
    replace: (k, namespace, name, body) => k.apps.replaceNamespacedDeployment({ namespace, name, body: body as k8s.V1Deployment }),
    remove: (k, namespace, name, body) => k.apps.deleteNamespacedDeployment({ namespace, name, body }),
    list: (k, labelSelector) => k.apps.listDeploymentForAllNamespaces({ labelSelector }),
  },
  Service: {
    read: (k, namespace, name) => k.core.readNamespacedService({ namespace, name }),
    create: (k, namespace, body) => k.core.createNamespacedService({ namespace, body: body as k8s.V1Service }),
    replace: (k, namespace, name, body) => k.core.replaceNamespacedService({ namespace, name, body: body as k8s.V1Service }),
    remove: (k, namespace, name, body) => k.core.deleteNamespacedService({ namespace, name, body }),
    list: (k, labelSelector) => k.core.listServiceForAllNamespaces({ labelSelector }),
  },
  PersistentVolumeClaim: {
    read: (k, namespace, name) => k.core.readNamespacedPersistentVolumeClaim({ namespace, name }),
    create: (k, namespace, body) => k.core.createNamespacedPersistentVolumeClaim({ namespace, body: body as k8s.V1PersistentVolumeClaim }),
    replace: (k, namespace, name, body) => k.core.replaceNamespacedPersistentVolumeClaim({ namespace, name, body: body as k8s.V1PersistentVolumeClaim }),
    remove: (k, namespace, name, body) => k.core.deleteNamespacedPersistentVolumeClaim({ namespace, name, body }),
    list: (k, labelSelector) => k.core.listPersistentVolumeClaimForAllNamespaces({ labelSelector }),
  },
  PodDisruptionBudget: {
    read: (k, namespace, name) => k.policy.readNamespacedPodDisruptionBudget({ namespace, name }),
    create: (k, namespace, body) => k.policy.createNamespacedPodDisruptionBudget({ namespace, body: body as k8s.V1PodDisruptionBudget }),
    replace: (k, namespace, name, body) => k.policy.replaceNamespacedPodDisruptionBudget({ namespace, name, body: body as k8s.V1PodDisruptionBudget }),
    remove: (k, namespace, name, body) => k.policy.deleteNamespacedPodDisruptionBudget({ namespace, name, body }),
    list: (k, labelSelector) => k.policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector }),
  },
  ResourceQuota: {
    read: (k, namespace, name) => k.core.readNamespacedResourceQuota({ namespace, name }),
    create: (k, namespace, body) => k.core.createNamespacedResourceQuota({ namespace, body: body as k8s.V1ResourceQuota }),
    replace: (k, namespace, name, body) => k.core.replaceNamespacedResourceQuota({ namespace, name, body: body as k8s.V1ResourceQuota }),
    remove: (k, namespace, name, body) => k.core.deleteNamespacedResourceQuota({ namespace, name, body }),
    list: (k, labelSelector) => k.core.listResourceQuotaForAllNamespaces({ labelSelector }),
  },
  PriorityClass: {
    read: (k, _ns, name) => k.scheduling.readPriorityClass({ name }),
    create: (k, _ns, body) => k.scheduling.createPriorityClass({ body: body as k8s.V1PriorityClass }),
    replace: (k, _ns, name, body) => k.scheduling.replacePriorityClass({ name, body: body as k8s.V1PriorityClass }),
    remove: (k, _ns, name, body) => k.scheduling.deletePriorityClass({ name, body }),
    list: (k, labelSelector) => k.scheduling.listPriorityClass({ labelSelector }),
  },
  // snapshot.storage.k8s.io/v1, a CRD of the external-snapshotter: the custom objects API.
  VolumeSnapshot: {
    read: (k, namespace, name) => k.custom.getNamespacedCustomObject({ group: 'snapshot.storage.k8s.io', version: 'v1', namespace, plural: 'volumesnapshots', name }) as Promise<KObject>,
    create: (k, namespace, body) => k.custom.createNamespacedCustomObject({ group: 'snapshot.storage.k8s.io', version: 'v1', namespace, plural: 'volumesnapshots', body }) as Promise<KObject>,
    replace: unsupported('changing a snapshot'),
    remove: (k, namespace, name, body) => k.custom.deleteNamespacedCustomObject({ group: 'snapshot.storage.k8s.io', version: 'v1', namespace, plural: 'volumesnapshots', name, body }),
    list: (k, labelSelector) => k.custom.listClusterCustomObject({ group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', labelSelector }) as Promise<{ items: KObject[] }>,
  },
  Node: {
    read: (k, _ns, name) => k.core.readNode({ name }),
    create: unsupported('creating nodes'),
    replace: (k, _ns, name, body) => k.core.replaceNode({ name, body: body as k8s.V1Node }),
    remove: unsupported('deleting nodes'),
    list: (k, labelSelector) => k.core.listNode({ labelSelector }),
  },
  ConfigMap: {
    read: (k, namespace, name) => k.core.readNamespacedConfigMap({ namespace, name }),
    create: (k, namespace, body) => k.core.createNamespacedConfigMap({ namespace, body: body as k8s.V1ConfigMap }),
    replace: (k, namespace, name, body) => k.core.replaceNamespacedConfigMap({ namespace, name, body: body as k8s.V1ConfigMap }),
    remove: (k, namespace, name, body) => k.core.deleteNamespacedConfigMap({ namespace, name, body }),
    list: (k, labelSelector) => k.core.listConfigMapForAllNamespaces({ labelSelector }),
  },
  Pod: {
    read: (k, namespace, name) => k.core.readNamespacedPod({ namespace, name }),
    create: unsupported('creating pods'),
    replace: unsupported('replacing pods'),
    remove: (k, namespace, name, body) => k.core.deleteNamespacedPod({ namespace, name, body }),
    list: (k, labelSelector) => k.core.listPodForAllNamespaces({ labelSelector }),
  },
};

const CLUSTER_SCOPED: readonly KindName[] = ['Namespace', 'PriorityClass', 'Node'];
const ref = (kind: KindName, ns: string, name: string) => (CLUSTER_SCOPED.includes(kind) ? `${kind}/${name}` : `${kind} ${ns}/${name}`);

function epochOf(obj: KObject): number {
  const v = Number(obj.metadata?.annotations?.[EPOCH_ANNOTATION]);
  return Number.isFinite(v) ? v : 0;
}

function checkFence(kind: KindName, obj: KObject, epoch: number): void {
  const seen = epochOf(obj);
  if (seen > epoch) throw new FencedError(`${ref(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '')} was written at epoch ${seen}, after this replica's epoch ${epoch}: another replica leads now`);
}

function stamp(obj: KObject, epoch: number): KObject {
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [EPOCH_ANNOTATION]: String(epoch) } } };
}

export async function readObject(kube: Kube, kind: KindName, ns: string, name: string): Promise<KObject | null> {
  try {
    return await kube.call(`read ${ref(kind, ns, name)}`, () => KINDS[kind].read(kube, ns, name));
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

export async function listObjects(kube: Kube, kind: KindName, labelSelector: string): Promise<KObject[]> {
  const list = await kube.call(`list ${kind} ${labelSelector}`, () => KINDS[kind].list(kube, labelSelector));
  return list.items ?? [];
}

export interface WriteResult {
  ref: string;
  /** false when the world already was as wanted */
  changed: boolean;
  resourceVersion?: string;
}

/**
 * Creates an object; "already exists" (including a create that timed out but landed and
 * was retried) counts as done when the existing object is ours, and is a conflict otherwise.
 */
export async function createObject(kube: Kube, kind: KindName, body: KObject, epoch: number): Promise<WriteResult> {
  const ns = body.metadata?.namespace ?? '';
  const name = body.metadata?.name ?? '';
  const r = ref(kind, ns, name);
  try {
    const created = await kube.call(`create ${r}`, () => KINDS[kind].create(kube, ns, stamp(body, epoch)));
    return { ref: r, changed: true, resourceVersion: created.metadata?.resourceVersion };
  } catch (err) {
    if (statusOf(err) !== 409 || reasonOf(err) === 'Conflict') throw err;
    const existing = await readObject(kube, kind, ns, name);
    if (!existing) throw err;
    if (kind !== 'Namespace' && existing.metadata?.labels?.[MANAGED_BY] !== MANAGER) {
      throw Object.assign(new Error(`${r} already exists and is not managed by Pilothouse; leaving it alone`), { statusCode: 409 });
    }
    checkFence(kind, existing, epoch);
    return { ref: r, changed: false, resourceVersion: existing.metadata?.resourceVersion };
  }
}

/**
 * Read, change, replace with the read resourceVersion; on 409 read again and re-apply the
 * change to the fresh object (which may no longer need it). `mutate` returns null when the
 * object already is as wanted.
 */
export async function updateObject(
  kube: Kube, kind: KindName, ns: string, name: string, epoch: number,
  mutate: (current: KObject) => KObject | null,
): Promise<WriteResult & { gone?: boolean }> {
  const r = ref(kind, ns, name);
  for (let attempt = 0; ; attempt++) {
    const current = await readObject(kube, kind, ns, name);
    if (!current) return { ref: r, changed: false, gone: true };
    checkFence(kind, current, epoch);
    const next = mutate(structuredClone(current));
    if (!next) return { ref: r, changed: false, resourceVersion: current.metadata?.resourceVersion };
    next.metadata = { ...next.metadata, resourceVersion: current.metadata?.resourceVersion };
    try {
      const saved = await kube.call(`replace ${r}`, () => KINDS[kind].replace(kube, ns, name, stamp(next, epoch)));
      return { ref: r, changed: true, resourceVersion: saved.metadata?.resourceVersion };
    } catch (err) {
      if (statusOf(err) === 409 && attempt < MAX_CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}

/**
 * Deletes an object if it is there, with a precondition on the version read and fenced.
 * `gracePeriodSeconds: 0` is a force delete: for a pod on a node whose kubelet is gone and
 * will never confirm a graceful one.
 */
export async function deleteObject(kube: Kube, kind: KindName, ns: string, name: string, epoch: number, opts: { gracePeriodSeconds?: number; uid?: string } = {}): Promise<WriteResult> {
  const r = ref(kind, ns, name);
  for (let attempt = 0; ; attempt++) {
    const current = await readObject(kube, kind, ns, name);
    if (!current) return { ref: r, changed: false };
    if (opts.uid && current.metadata?.uid !== opts.uid) return { ref: r, changed: false };
    checkFence(kind, current, epoch);
    try {
      await kube.call(`delete ${r}`, () => KINDS[kind].remove(kube, ns, name, {
        preconditions: { resourceVersion: current.metadata?.resourceVersion, uid: current.metadata?.uid },
        propagationPolicy: 'Background',
        ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
      }));
      return { ref: r, changed: true };
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return { ref: r, changed: false };
      if (status === 409 && attempt < MAX_CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}
