// `pilothouse autoscale simulate`: one HPA sync from files. Current replicas come from status.currentReplicas (what
// the controller reads from the scale subresource); `behavior` is honoured exactly and no
// cooldown is added. Pure: parsed objects and the time in, the answer and its steps out.
import { EMPTY_HISTORY } from './behavior.ts';
import { explain, syncHpa, type SyncResult } from './hpa.ts';
import { hpaSpecOf, ObjectError, podFacts, podSamples } from './objects.ts';

type Json = Record<string, any>;

export interface Simulation {
  hpa: string;
  desiredReplicas: number;
  currentReplicas: number;
  rawProposal: number | null;
  drivenBy: string | null;
  rule: string | null;
  reasoning: string[];
  metrics: SyncResult['metrics'];
}

function listOf(doc: Json, kind: string, what: string): Json[] {
  if (doc?.kind !== kind || !Array.isArray(doc.items)) throw new ObjectError(`${what}: expected a ${kind} (kind: ${kind}, items: [...]); got kind ${doc?.kind ?? 'none'}`);
  return doc.items;
}

/**
 * `firstSync`: as a controller that has just started (it records the current count first,
 * so it does not scale down within the stabilisation window); otherwise as one that has run
 * with these metrics all along.
 */
export function simulateHpa(hpa: Json, podList: Json, metricsList: Json, now: number, firstSync = false): Simulation {
  const spec = hpaSpecOf(hpa);
  const current = hpa.status?.currentReplicas;
  if (!Number.isInteger(current) || current < 0) throw new ObjectError('the HPA needs status.currentReplicas (the replicas the scale subresource reports)');
  const ns = hpa.metadata?.namespace;
  // The HPA lists pods and metrics in its own namespace.
  const inNs = (o: Json) => !ns || !o.metadata?.namespace || o.metadata.namespace === ns;
  const pods = listOf(podList, 'PodList', '--pods').filter(inNs).map(podFacts);
  const items = listOf(metricsList, 'PodMetricsList', '--metrics').filter(inNs);
  const resources = new Map<string, ReturnType<typeof podSamples>>();
  for (const m of spec.metrics) if (m.type === 'Resource') resources.set(m.resource, podSamples(items, m.resource));
  const r = syncHpa({
    spec, specReplicas: current, statusReplicas: current, pods, now, history: EMPTY_HISTORY, recordInitialRecommendation: firstSync,
    metrics: { resources, pods: new Map(), external: new Map() },
  });
  return {
    hpa: `${ns ?? 'default'}/${hpa.metadata?.name ?? ''}`, desiredReplicas: r.desiredReplicas, currentReplicas: r.currentReplicas,
    rawProposal: r.rawProposal, drivenBy: r.drivenBy, rule: r.rule, reasoning: explain(r), metrics: r.metrics,
  };
}
