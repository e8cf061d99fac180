// The live fleet behind GET /api/v1/fleet: nodes and pods read through kube/ (timeouts,
// retries, paging) and the price catalogue's rates in force, summarised by the pure summary.ts.
import type { Queryable } from '../../db/pool.ts';
import type { Kube } from '../../kube/client.ts';
import { listAll, PAGE_SIZE } from '../../kube/list.ts';
import { ratesAt } from '../cost/catalog-store.ts';
import { summarizeFleet, type FleetSummary } from './summary.ts';

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
