// The simulated fleet: node pools, the control plane and metrics, run on a timer and on
// every change a client makes, over one sandbox store.
import type { ObjectStore } from '../k8s/store.ts';
import type { SandboxApiServer } from '../k8s/server.ts';
import { ControlPlane } from './control-plane.ts';
import { NodePools } from './nodes.ts';
import { FleetMetrics } from './metrics.ts';
import { DEMO_TIMINGS, demoNodePools, type FleetTimings, type NodePoolSpec } from './catalogue.ts';
import { seeded } from './random.ts';
import { RegionGateways } from './regions.ts';

export interface FleetOptions {
  pools?: NodePoolSpec[];
  timings?: Partial<FleetTimings>;
  seed?: number;
  /** called when a reconcile pass throws (the loop goes on) */
  onError?: (err: unknown) => void;
}

export class Fleet {
  readonly pools: NodePools;
  readonly controlPlane: ControlPlane;
  readonly metrics: FleetMetrics;
  readonly regions: RegionGateways;
  readonly timings: FleetTimings;
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Immediate;
  private ticks = 0;
  private readonly store: ObjectStore;
  private readonly onError: (err: unknown) => void;
  private readonly onStoreEvent = () => this.soon();

  constructor(api: SandboxApiServer, opts: FleetOptions = {}) {
    this.store = api.store;
    this.timings = { ...DEMO_TIMINGS, ...opts.timings };
    const rnd = seeded(opts.seed ?? 42);
    this.controlPlane = new ControlPlane(this.store, this.timings, rnd);
    this.pools = new NodePools(this.store, opts.pools ?? demoNodePools(), this.timings, rnd, this.controlPlane);
    this.metrics = new FleetMetrics(this.store, rnd);
    api.metrics = this.metrics;
    this.regions = new RegionGateways(this.store);
    api.gateways = this.regions;
    this.onError = opts.onError ?? ((err) => console.error('sandbox fleet:', err));
  }

  start(): void {
    if (this.timer) return;
    this.pools.init();
    this.timer = setInterval(() => this.tick(), this.timings.tickMs);
    this.timer.unref();
    this.store.events.on('event', this.onStoreEvent);
    this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.store.events.off('event', this.onStoreEvent);
  }

  /** A reconcile soon after a client's change, as watch-driven controllers react. */
  private soon(): void {
    if (this.pending || !this.timer) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.reconcile();
    });
  }

  private reconcile(): void {
    // Our own writes would call soon() again; the pass converges because writes that change
    // nothing are not writes.
    this.store.events.off('event', this.onStoreEvent);
    try {
      this.controlPlane.reconcile();
      this.pools.reconcile();
    } catch (err) {
      this.onError(err);
    } finally {
      if (this.timer) this.store.events.on('event', this.onStoreEvent);
    }
  }

  tick(): void {
    this.reconcile();
    try {
      this.metrics.update();
      if (++this.ticks % 100 === 0) this.controlPlane.prune();
    } catch (err) {
      this.onError(err);
    }
  }
}
