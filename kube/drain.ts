// Cordon and drain as `kubectl drain` does: mark the node unschedulable (fenced, with the
// resourceVersion read), then evict its pods through the Eviction API so PodDisruptionBudgets
// are honoured (a 429 means "not now": the pod stays and the drain reports it). DaemonSet
// pods and mirror pods are left, as kubectl leaves them.
import type * as k8s from '@kubernetes/client-node';
import type { Kube } from './client.ts';
import { statusOf } from './client.ts';
import { listAll } from './list.ts';
import { updateObject, type WriteResult } from './objects.ts';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export async function cordonNode(kube: Kube, node: string, epoch: number): Promise<WriteResult & { gone?: boolean }> {
  return updateObject(kube, 'Node', '', node, epoch, (n) => (n.spec?.unschedulable ? null : { ...n, spec: { ...n.spec, unschedulable: true } }));
}

export async function podsOnNode(kube: Kube, node: string): Promise<k8s.V1Pod[]> {
  return listAll(kube, `list pods on ${node}`, (cont) => kube.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}`, limit: 500, _continue: cont }));
}

const evictable = (p: k8s.V1Pod) => !p.metadata?.deletionTimestamp
  && !p.metadata?.annotations?.[MIRROR_ANNOTATION]
  && !(p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');

export interface DrainResult {
  node: string;
  cordoned: boolean;
  evicted: string[];
  /** refused by a disruption budget (429): try again later */
  blocked: string[];
  skipped: string[];
}

/** Evicts one pod; false when a disruption budget refuses it now. */
export async function evictPod(kube: Kube, namespace: string, name: string, dryRun = false): Promise<boolean> {
  try {
    await kube.call(`evict pod ${namespace}/${name}`, () => kube.core.createNamespacedPodEviction({
      namespace, name, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      ...(dryRun ? { dryRun: 'All' } : {}),
    }));
    return true;
  } catch (err) {
    const status = statusOf(err);
    if (status === 404) return true;
    // 429 is retried by the client first; past its retries the budget still says no.
    if (status === 429) return false;
    throw err;
  }
}

export async function drainNode(kube: Kube, node: string, epoch: number, dryRun = false): Promise<DrainResult> {
  const cordon = dryRun ? { changed: false } : await cordonNode(kube, node, epoch);
  const out: DrainResult = { node, cordoned: cordon.changed, evicted: [], blocked: [], skipped: [] };
  for (const p of await podsOnNode(kube, node)) {
    const ref = `${p.metadata?.namespace}/${p.metadata?.name}`;
    if (!evictable(p)) { out.skipped.push(ref); continue; }
    if (await evictPod(kube, p.metadata!.namespace!, p.metadata!.name!, dryRun)) out.evicted.push(ref);
    else out.blocked.push(ref);
  }
  return out;
}
