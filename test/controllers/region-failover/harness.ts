// A failover drill on an injected clock: the sandbox fleet with two regions (their health
// endpoints answer or not as the test says), the region-failover controller under a real
// runtime and lease, and a clock the test moves a second at a time as the cron schedule would.
import { Registry } from 'prom-client';
import type { Db } from '../../../db/pool.ts';
import { ControllerRuntime } from '../../../controllers/runtime/runtime.ts';
import { PgElector } from '../../../controllers/runtime/elector.ts';
import { createRegionFailoverController, REGION_FAILOVER } from '../../../controllers/failover/failover.ts';
import type { FailoverSettings } from '../../../controllers/failover/decide.ts';
import { readRouting } from '../../../controllers/failover/routing.ts';
import { upsertRegion } from '../../../controllers/failover/store.ts';
import { startTestCluster, type TestCluster } from '../cluster.ts';

export interface Drill {
  cluster: TestCluster;
  runtime: ControllerRuntime;
  /** where the controller's metrics are registered */
  registry: Registry;
  /** the injected clock, ms since the drill began */
  now(): number;
  /** one scheduled run `ms` after the previous one */
  step(ms?: number): Promise<void>;
  /** steps a second at a time until `until` is true or `maxMs` of drill time has passed */
  runUntil(until: () => Promise<boolean>, maxMs: number, stepMs?: number): Promise<boolean>;
  routed(): Promise<string | null>;
  down(region: string, mode?: 'hang' | 'refuse'): void;
  up(region: string): void;
}

export const PRIMARY = 'eu-west-1';
export const STANDBY = 'us-east-1';
/** generous: a loaded CI machine must not fail a healthy probe; a hung one costs this much real time */
export const PROBE_TIMEOUT_MS = 5_000;

export async function startDrill(db: Db, o: { settings?: Partial<FailoverSettings>; autoFailback?: boolean; lease: string }): Promise<Drill> {
  const cluster = await startTestCluster();
  const healthz = (r: string) => `${cluster.api.url}/sandbox/v1/regions/${r}/healthz`;
  await upsertRegion(db, { name: PRIMARY, priority: 1, probeUrl: healthz(PRIMARY), autoFailback: o.autoFailback ?? false });
  await upsertRegion(db, { name: STANDBY, priority: 2, probeUrl: healthz(STANDBY) });
  let t = 0;
  const registry = new Registry();
  const runtime = new ControllerRuntime({
    db,
    kube: cluster.kube(),
    elector: new PgElector(db, o.lease, 'drill', 60_000),
    controllers: [createRegionFailoverController({ clock: () => t, probeTimeoutMs: PROBE_TIMEOUT_MS, settings: o.settings, registry })],
  });
  await runtime.tick();
  const kube = cluster.kube();
  const drill: Drill = {
    cluster, runtime, registry,
    now: () => t,
    async step(ms = 1_000) {
      t += ms;
      // Renew the lease as the runtime's timer would: a drill outlasts its time to live.
      await runtime.tick();
      const report = await runtime.runOnce(REGION_FAILOVER);
      if (report.error || report.failed || report.skipped) throw new Error(`run at ${t} ms: ${report.error ?? report.skipped ?? `${report.failed} failed`}`);
    },
    async runUntil(until, maxMs, stepMs = 1_000) {
      const end = t + maxMs;
      while (t < end) {
        await drill.step(stepMs);
        if (await until()) return true;
      }
      return false;
    },
    routed: () => readRouting(kube),
    down: (r, mode) => cluster.api.fleet.regions.down(r, mode),
    up: (r) => cluster.api.fleet.regions.up(r),
  };
  return drill;
}
