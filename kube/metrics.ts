// Reads the reactive autoscaler needs: a Deployment's pods by its selector and their
// metrics.k8s.io PodMetrics, as the plain JSON the API serves (the HPA engine reads that
// shape, from a file or from here alike).
import type { Kube } from './client.ts';
import { listAll, PAGE_SIZE } from './list.ts';

type Json = Record<string, any>;

/** A LabelSelector (matchLabels and matchExpressions) as a label selector string. */
export function selectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export async function namespacedPods(kube: Kube, namespace: string, labelSelector: string): Promise<Json[]> {
  const items = await listAll(kube, `list pods ${namespace} ${labelSelector}`, (cont) =>
    kube.core.listNamespacedPod({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont }));
  // The engine reads the JSON shape (startTime as text), as a PodList file has it.
  return items.map((p) => JSON.parse(JSON.stringify(p)));
}

export async function podMetrics(kube: Kube, namespace: string, labelSelector: string): Promise<Json[]> {
  const res = await kube.call(`list pod metrics ${namespace}`, () => kube.custom.listNamespacedCustomObject({
    group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods', labelSelector,
  })) as { items?: Json[] };
  return res.items ?? [];
}
