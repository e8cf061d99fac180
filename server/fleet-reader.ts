// The live fleet behind GET /api/v1/fleet: nodes and pods read through the Kube client (its
// timeouts and retries, in pages so a large cluster is not one huge answer) and the price
// catalogue's rates in force, summarised by the pure collectors/fleet/summary.ts.
import type { Queryable } from '../db/pool.ts';
import { reasonOf, statusOf, type Kube } from '../controllers/kube/client.ts';
import { summarizeFleet, type FleetSummary } from '../collectors/fleet/summary.ts';
import { ratesAt } from '../collectors/cost/catalog-store.ts';

export const PAGE_SIZE = 500;

/** The API server failed or could not be reached (after the client's retries): a 502 saying so. */
export class KubeReadError extends Error {
  readonly statusCode = 502;
  readonly expose = true;
}

/** What went wrong talking to the API server, in words an operator can act on. */
export function describeKubeError(err: unknown, server: string): string {
  const status = statusOf(err);
  if (status === undefined) return `the Kubernetes API at ${server} could not be reached: ${(err as Error)?.message ?? String(err)}`;
  let detail = reasonOf(err) ?? '';
  try {
    const body = (err as { body?: unknown }).body;
    const message = (typeof body === 'string' ? JSON.parse(body) : body)?.message;
    if (typeof message === 'string') detail = message;
  } catch { /* a body that is not a Status */ }
  return `the Kubernetes API at ${server} answered ${status}${detail ? `: ${detail}` : ''}`;
}

type Page<T> = { items: T[]; metadata?: { _continue?: string } };

/** Every item of a list, following `continue` tokens; each page is one retried call. */
export async function listAll<T>(kube: Kube, what: string, page: (cont: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const res = await kube.call(what, () => page(cont)).catch((err: unknown) => {
      throw new KubeReadError(`${what}: ${describeKubeError(err, kube.server)}`, { cause: err });
    });
    items.push(...res.items);
    cont = res.metadata?._continue || undefined;
  } while (cont);
  return items;
}

export async function readFleetSummary(kube: Kube, db: Queryable, opts: { now?: Date; pageSize?: number } = {}): Promise<FleetSummary> {
  const now = opts.now ?? new Date();
  const limit = opts.pageSize ?? PAGE_SIZE;
  const [nodes, pods, rates] = await Promise.all([
    listAll(kube, 'list nodes', (cont) => kube.core.listNode({ limit, _continue: cont })),
    listAll(kube, 'list pods', (cont) => kube.core.listPodForAllNamespaces({ limit, _continue: cont })),
    ratesAt(db, now),
  ]);
  return summarizeFleet(nodes, pods, { now, rates });
}
