// The Kubernetes replica calculator tests' harness (replica_calculator_test.go,
// prepareTestClientSet / prepareTestMetricsClient), rebuilt as plain API objects: pods
// `test-pod-<i>` with two containers that each request `requests[i]` and each use
// `levels[i]` milli-units; Ready=True unless `readiness` says otherwise; started long ago
// ("cool") unless `hot`, i.e. within the CPU initialisation period with a sample taken
// before a full window had passed since becoming ready.
import { podFacts, podSamples } from '../../../controllers/hpa/objects.ts';
import type { PodFacts, PodSamples } from '../../../controllers/hpa/calculator.ts';

export const NOW = Date.parse('2026-12-03T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const COOL_START = NOW - 60 * 60_000;
const HOT_START = NOW - 2 * 60_000;

export interface CalcCase {
  currentReplicas: number;
  requests?: string[];
  levels: number[];
  readiness?: ('True' | 'False')[];
  phase?: string[];
  deleting?: boolean[];
  hot?: boolean[];
  resource?: string;
  podNames?: string[];
}

export function podJson(i: number, c: CalcCase) {
  const hot = c.hot?.[i] ?? false;
  const start = hot ? HOT_START : COOL_START;
  const req = c.requests?.[i];
  const container = (n: number) => ({ name: `container${n}`, image: 'x', ...(req ? { resources: { requests: { [c.resource ?? 'cpu']: req } } } : {}) });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `test-pod-${i}`, namespace: 'test-namespace', labels: { name: 'test-pod' }, ...(c.deleting?.[i] ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: [container(0), container(1)] },
    status: {
      phase: c.phase?.[i] ?? 'Running',
      startTime: iso(start),
      conditions: [{ type: 'Ready', status: c.readiness?.[i] ?? 'True', lastTransitionTime: iso(hot ? NOW - 60_000 : start) }],
    },
  };
}

export function podMetricsJson(c: CalcCase) {
  return {
    apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetricsList', metadata: {},
    items: c.levels.map((level, i) => ({
      metadata: { name: c.podNames?.[i] ?? `test-pod-${i}`, namespace: 'test-namespace', labels: { name: 'test-pod' } },
      timestamp: iso(NOW - 30_000), window: '1m0s',
      containers: [0, 1].map((n) => ({ name: `container${n}`, usage: { [c.resource ?? 'cpu']: `${level}m` } })),
    })),
  };
}

export function calcInputs(c: CalcCase): { pods: PodFacts[]; samples: PodSamples } {
  const count = Math.max(c.currentReplicas, c.phase?.length ?? 0);
  const pods = Array.from({ length: count }, (_, i) => podFacts(podJson(i, c)));
  return { pods, samples: podSamples(podMetricsJson(c).items, c.resource ?? 'cpu') };
}
