// The scheduler's rule for what a pod reserves on its node.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { parseQuantity } from './quantity.ts';

export type Resources = { cpu: number; memory: number };

const num = (q: string | undefined) => (q === undefined ? 0 : parseQuantity(q) ?? 0);
const requestsOf = (c: V1Container): Resources => ({ cpu: num(c.resources?.requests?.cpu), memory: num(c.resources?.requests?.memory) });

/**
 * What the scheduler reserves for a pod: the larger of its containers (plus sidecars) and
 * its biggest init step (an init container plus the sidecars started before it), plus the
 * runtime class overhead.
 */
export function podRequests(pod: V1Pod): Resources {
  const sum = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = requestsOf(c);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
  }
  const sidecars = { cpu: 0, memory: 0 };
  const init = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.initContainers ?? []) {
    const r = requestsOf(c);
    if (c.restartPolicy === 'Always') {
      sidecars.cpu += r.cpu;
      sidecars.memory += r.memory;
      continue;
    }
    init.cpu = Math.max(init.cpu, r.cpu + sidecars.cpu);
    init.memory = Math.max(init.memory, r.memory + sidecars.memory);
  }
  return {
    cpu: Math.max(sum.cpu + sidecars.cpu, init.cpu) + num(pod.spec?.overhead?.cpu),
    memory: Math.max(sum.memory + sidecars.memory, init.memory) + num(pod.spec?.overhead?.memory),
  };
}
