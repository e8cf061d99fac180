// The contract every controller follows: observe the world, decide with a pure function,
// apply each decision thinly. The runtime records every decision before acting on it.
import type pg from 'pg';
import type { Db } from '../../db/pool.ts';
import type { Kube } from '../../kube/client.ts';

export interface Target {
  /** e.g. Workspace, Deployment, Tenant */
  kind: string;
  /** a stable name: a workspace id, `namespace/name`, a tenant id */
  name: string;
  tenantId?: string | null;
}

export interface Decision<A> {
  target: Target;
  action: A;
  /** what will be done, short: `scale ws-… 1→0`, `pause`, `warn llm.tokens hard:80` */
  decision: string;
  /** why, in words an operator understands */
  reason: string;
  /** the observed values the decision rests on */
  inputs: Record<string, unknown>;
}

export interface ObserveContext {
  db: Db;
  kube?: Kube;
  now: Date;
}

export interface ApplyContext {
  db: Db;
  kube?: Kube;
  /** the fencing token: the lease epoch this action was decided under */
  epoch: number;
  /**
   * Runs `fn` in a transaction that first checks (and holds, FOR SHARE) that this replica
   * still holds the lease at `epoch`; a takeover waits for it, and a deposed leader's
   * transaction is refused before it changes anything.
   */
  fenced<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

export interface Controller<O = unknown, A = unknown> {
  readonly name: string;
  readonly description: string;
  /** node-cron expression (six fields: seconds first) */
  readonly schedule: string;
  /** Kubernetes access required: the runtime skips the controller without a cluster */
  readonly needsKube?: boolean;
  /** its own action rate limit (a runaway loop stops here); the runtime's default otherwise */
  readonly rate?: { perMinute: number; burst: number };
  observe(ctx: ObserveContext): Promise<O>;
  decide(observed: O): Decision<A>[];
  /** returns a JSON-able result recorded in the audit log */
  apply(action: A, ctx: ApplyContext): Promise<unknown>;
}

export { FencedError } from '../../kube/errors.ts';
