// The controllers Pilothouse runs, assembled: the lease, the Kubernetes client and every
// reconcile loop. server/main.ts starts them beside the API; a replica started alone (HA)
// runs the same function.
import type { Registry } from 'prom-client';
import type { Db } from '../db/pool.ts';
import { Kube, type KubeOptions } from '../kube/client.ts';
import { KubeLeaseElector, PgElector, type Elector } from './runtime/elector.ts';
import type { BucketConfig } from './runtime/rate-limit.ts';
import { ControllerRuntime, newHolderId } from './runtime/runtime.ts';
import type { Controller } from './runtime/types.ts';
import { createLifecycleController, LIFECYCLE } from './workspaces/lifecycle.ts';
import { createReaperController, REAPER } from './reaper/reaper.ts';
import { createQuotaController, QUOTA_ENFORCER } from './quota/enforcer.ts';
import { AUTOSCALER, createAutoscalerController } from './autoscaler/autoscaler.ts';
import type { HeadroomSettings } from './autoscaler/decide.ts';
import type { SnapshotPolicy } from './workspaces/decide.ts';
import { createSnapshotController, SNAPSHOTS } from './snapshots/snapshots.ts';
import { createRemediationController, REMEDIATION, type RemediationOptions } from './remediation/controller.ts';
import { ActionRegistry } from './remediation/actions/plugin.ts';
import { builtinActions } from './remediation/actions/builtin.ts';
import { createReactiveController, REACTIVE, type ReactiveOptions } from './reactive/reactive.ts';
import { createRightsizerController, RIGHTSIZER } from './rightsizing/rightsizer.ts';
import { createSpotController, SPOT_CONVERTER } from './spot/spot.ts';
import type { Rates } from './spot/decide.ts';
import { COST_GUARD, createCostGuardController, type FleetCostSource } from './costguard/guard.ts';
import { createRegionFailoverController, REGION_FAILOVER, type RegionFailoverOptions } from './failover/failover.ts';
import { createNodeRepairController, NODE_REPAIR } from './noderepair/repair.ts';
import type { NodeRepairSettings } from './noderepair/decide.ts';

export const LEASE_NAME = 'pilothouse-controllers';
export const DEFAULT_LEASE_TTL_MS = 15_000;
export const CONTROLLER_NAMES = [LIFECYCLE, REAPER, QUOTA_ENFORCER, AUTOSCALER, SNAPSHOTS, REACTIVE, RIGHTSIZER, REMEDIATION, SPOT_CONVERTER, COST_GUARD, REGION_FAILOVER, NODE_REPAIR] as const;

export interface ControllersOptions {
  db: Db;
  registry?: Registry;
  /** Kubernetes access; without it controllers that need a cluster are skipped */
  kube?: Kube | KubeOptions;
  /** where the lease lives: a PostgreSQL row (default) or a coordination.k8s.io Lease */
  lease?: 'postgres' | 'kubernetes';
  leaseNamespace?: string;
  leaseTtlMs?: number;
  renewMs?: number;
  holder?: string;
  dryRun?: boolean;
  /** node-cron expressions by controller name */
  schedules?: Partial<Record<string, string>>;
  rates?: Record<string, BucketConfig>;
  startTimeoutMs?: number;
  headroom?: Partial<HeadroomSettings>;
  /** VolumeSnapshots of archived workspaces' volumes */
  snapshots?: SnapshotPolicy;
  /** the action registry (built-ins and plugins), notifications and SLO re-checks of remediation */
  remediation?: Partial<RemediationOptions>;
  /** the time controllers observe (tests inject one) */
  clock?: () => Date;
  /** the reactive autoscaler's targets (default: the autoscaling_targets table), PromQL and clock */
  reactive?: Omit<ReactiveOptions, 'schedule'>;
  /** the price catalogue's infrastructure rates in force (collectors/cost), for spot savings */
  prices?: (at: Date) => Promise<Rates | null>;
  /** today's fleet cost and current rate (collectors/cost), for the cost guard */
  fleetCost?: FleetCostSource;
  failover?: Omit<RegionFailoverOptions, 'schedule'>;
  nodeRepair?: Partial<NodeRepairSettings>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  beforeApply?: (controller: string, index: number) => Promise<void> | void;
}

export function createControllers(o: Pick<ControllersOptions, 'registry' | 'schedules' | 'startTimeoutMs' | 'headroom' | 'snapshots' | 'reactive' | 'remediation' | 'prices' | 'fleetCost' | 'failover' | 'nodeRepair'> = {}): Controller<any, any>[] {
  return [
    createLifecycleController({ registry: o.registry, schedule: o.schedules?.[LIFECYCLE], startTimeoutMs: o.startTimeoutMs, snapshots: o.snapshots }),
    createReaperController({ schedule: o.schedules?.[REAPER] }),
    createQuotaController({ registry: o.registry, schedule: o.schedules?.[QUOTA_ENFORCER] }),
    createAutoscalerController({ schedule: o.schedules?.[AUTOSCALER], settings: o.headroom }),
    createSnapshotController({ schedule: o.schedules?.[SNAPSHOTS], className: o.snapshots?.className, retentionDays: o.snapshots?.retentionDays }),
    createReactiveController({ ...o.reactive, schedule: o.schedules?.[REACTIVE] }),
    createRightsizerController({ schedule: o.schedules?.[RIGHTSIZER] }),
    createRemediationController({
      ...o.remediation, registry: o.remediation?.registry ?? defaultActionRegistry(), schedule: o.schedules?.[REMEDIATION] ?? o.remediation?.schedule,
    }),
    createSpotController({ schedule: o.schedules?.[SPOT_CONVERTER], rates: o.prices, registry: o.registry }),
    createCostGuardController({ schedule: o.schedules?.[COST_GUARD], cost: o.fleetCost }),
    createRegionFailoverController({ ...o.failover, schedule: o.schedules?.[REGION_FAILOVER], registry: o.registry }),
    createNodeRepairController({ schedule: o.schedules?.[NODE_REPAIR], settings: o.nodeRepair, registry: o.registry }),
  ];
}

/** The built-in actions alone; server/main.ts adds the plugins named by PILOTHOUSE_ACTION_PLUGINS. */
export function defaultActionRegistry(): ActionRegistry {
  const r = new ActionRegistry();
  for (const a of builtinActions()) r.add(a);
  return r;
}

/** Name, description and schedule of each controller (for the API and console). */
export function controllerCatalogue(): { name: string; description: string; schedule: string; needsKube: boolean }[] {
  return createControllers().map((c) => ({ name: c.name, description: c.description, schedule: c.schedule, needsKube: Boolean(c.needsKube) }));
}

export function buildRuntime(o: ControllersOptions): ControllerRuntime {
  const kube = o.kube === undefined ? undefined : o.kube instanceof Kube ? o.kube : new Kube(o.kube);
  const holder = o.holder ?? newHolderId();
  const ttlMs = o.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  let elector: Elector;
  if (o.lease === 'kubernetes') {
    if (!kube) throw new Error('a Kubernetes lease needs Kubernetes access (KUBECONFIG or in-cluster)');
    elector = new KubeLeaseElector(o.db, kube, { namespace: o.leaseNamespace ?? 'default', name: LEASE_NAME, holder, ttlMs });
  } else {
    elector = new PgElector(o.db, LEASE_NAME, holder, ttlMs);
  }
  return new ControllerRuntime({
    db: o.db, kube, elector, registry: o.registry, dryRun: o.dryRun, rates: o.rates, renewMs: o.renewMs,
    controllers: createControllers(o), log: o.log, beforeApply: o.beforeApply, clock: o.clock,
  });
}

export async function startControllers(o: ControllersOptions): Promise<ControllerRuntime> {
  const runtime = buildRuntime(o);
  await runtime.start();
  return runtime;
}
