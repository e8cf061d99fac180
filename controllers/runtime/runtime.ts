// The reconcile runtime: keeps (or waits for) the lease, runs each controller on its
// schedule while leading, and for every decision writes the audit row first (fenced by the
// epoch), then applies it unless dry run is on, then records the outcome. Level-based: a
// run that finds the world as wanted decides nothing.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { describeKubeError, type Kube } from '../../kube/client.ts';
import { closeInterrupted, finishAction, recentlyRecordedDryRun, recordDecision, type Fence } from './audit.ts';
import type { Elector, Leadership } from './elector.ts';
import { holdsLease } from './lease.ts';
import { type Bucket, type BucketConfig, DEFAULT_RATE, fullBucket, take } from './rate-limit.ts';
import { readSwitches } from './settings.ts';
import { type ApplyContext, type Controller, FencedError } from './types.ts';

export interface RuntimeOptions {
  db: Db;
  kube?: Kube;
  elector: Elector;
  controllers: Controller<any, any>[];
  /** where to register the controller metrics (the app's registry) */
  registry?: Registry;
  /** dry run for every controller, whatever the switches say (PILOTHOUSE_CONTROLLERS_DRY_RUN) */
  dryRun?: boolean;
  /** actions per controller; a controller missing here gets DEFAULT_RATE */
  rates?: Record<string, BucketConfig>;
  /** how often to renew the lease; default a third of its time to live */
  renewMs?: number;
  /** a dry-run decision already recorded this recently is not recorded again */
  dryRunRepeatMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** the time observe() sees (tests inject a clock); default the wall clock */
  clock?: () => Date;
  /** test hook: runs before each decision is applied (after it is recorded) */
  beforeApply?: (controller: string, index: number) => Promise<void> | void;
}

export interface RunReport {
  controller: string;
  skipped?: 'not leader' | 'paused' | 'no cluster' | 'busy' | 'stopped';
  decisions: number;
  applied: number;
  failed: number;
  dryRun: number;
  /** left for the next run: rate limited, or the target had a failure earlier in this run */
  deferred: number;
  error?: string;
  epoch?: number;
}

export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

interface Metrics {
  duration: Histogram<'controller' | 'outcome'>;
  actions: Counter<'controller' | 'result'>;
  leader: Gauge<'lease' | 'holder'>;
  epoch: Gauge<'lease'>;
}

function createMetrics(registry: Registry | undefined): Metrics {
  const registers = registry ? [registry] : [];
  return {
    duration: new Histogram({
      name: 'pilothouse_controller_reconcile_duration_seconds',
      help: 'Duration of one reconcile run (observe, decide, apply) by controller',
      labelNames: ['controller', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    actions: new Counter({
      name: 'pilothouse_controller_actions_total',
      help: 'Controller decisions by result: applied, failed, dry_run, rate_limited, fenced',
      labelNames: ['controller', 'result'] as const,
      registers,
    }),
    leader: new Gauge({
      name: 'pilothouse_controller_leader',
      help: '1 while this replica holds the controller lease',
      labelNames: ['lease', 'holder'] as const,
      registers,
    }),
    epoch: new Gauge({
      name: 'pilothouse_controller_lease_epoch',
      help: 'The lease epoch (fencing token) this replica last saw',
      labelNames: ['lease'] as const,
      registers,
    }),
  };
}

const message = (err: unknown) => describeKubeError(err);

export class ControllerRuntime {
  readonly holder: string;
  private readonly db: Db;
  private readonly kube?: Kube;
  private readonly elector: Elector;
  private readonly controllers: Map<string, Controller<any, any>>;
  private readonly metrics: Metrics;
  private readonly opts: RuntimeOptions;
  private readonly buckets = new Map<string, Bucket>();
  private readonly running = new Map<string, Promise<RunReport>>();
  private readonly woken = new Map<string, Promise<RunReport>>();
  private tasks: ScheduledTask[] = [];
  private renewTimer: NodeJS.Timeout | undefined;
  private leadership: Leadership = { leader: false, epoch: 0, holder: null };
  /** local monotonic deadline of the lease as last renewed: past it, act no more */
  private leaseDeadline = 0;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(opts: RuntimeOptions) {
    this.opts = opts;
    this.db = opts.db;
    this.kube = opts.kube;
    this.elector = opts.elector;
    this.holder = opts.elector.holder;
    this.controllers = new Map(opts.controllers.map((c) => [c.name, c]));
    this.metrics = createMetrics(opts.registry);
  }

  get names(): string[] {
    return [...this.controllers.keys()];
  }

  /** Leading right now: the lease was renewed and has not run out on our own clock. */
  isLeader(): boolean {
    return this.leadership.leader && performance.now() < this.leaseDeadline && !this.stopped;
  }

  get epoch(): number {
    return this.leadership.epoch;
  }

  private get fence(): Fence {
    return { lease: this.elector.name, holder: this.holder, epoch: this.leadership.epoch };
  }

  private log(msg: string, fields?: Record<string, unknown>): void {
    this.opts.log?.(msg, fields);
  }

  /** One election round: acquire or renew the lease, and take over cleanly when newly leading. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      const started = performance.now();
      const before = this.leadership;
      try {
        const now = await this.elector.tick();
        this.leadership = now;
        if (now.leader) this.leaseDeadline = started + this.elector.ttlMs * 0.9;
        if (now.leader && (!before.leader || before.epoch !== now.epoch)) {
          this.log('controller lease acquired', { lease: this.elector.name, epoch: now.epoch, holder: this.holder });
          const closed = await closeInterrupted(this.db, this.names, this.fence);
          if (closed) this.log('closed actions left started by the previous leader', { count: closed });
        } else if (!now.leader && before.leader) {
          this.log('controller lease lost', { lease: this.elector.name, holder: now.holder, epoch: now.epoch });
        }
      } catch (err) {
        // Keep leading until the local deadline passes: a short database hiccup need not
        // stop the loops, and past the deadline isLeader() turns false by itself.
        this.log('controller lease renewal failed', { error: message(err) });
      } finally {
        this.metrics.leader.set({ lease: this.elector.name, holder: this.holder }, this.isLeader() ? 1 : 0);
        this.metrics.epoch.set({ lease: this.elector.name }, this.leadership.epoch);
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Starts the election loop and every controller's schedule. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    const renewMs = this.opts.renewMs ?? Math.max(200, Math.floor(this.elector.ttlMs / 3));
    this.renewTimer = setInterval(() => void this.tick(), renewMs);
    this.renewTimer.unref();
    for (const c of this.controllers.values()) {
      const task = cron.schedule(c.schedule, async () => {
        try {
          await this.runOnce(c.name);
        } catch (err) {
          this.log('controller run failed', { controller: c.name, error: message(err) });
        }
      }, {
        name: `controller:${c.name}:${this.holder}`,
        // A run longer than the period simply delays the next one; that is not worth a warning.
        noOverlap: true,
        suppressMissedWarning: true,
        logger: { info: () => {}, warn: () => {}, debug: () => {}, error: (m) => this.log('controller schedule error', { controller: c.name, error: String(m) }) },
      });
      this.tasks.push(task);
    }
  }

  /** Stops scheduling, waits for runs in flight, and hands the lease over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    for (const t of this.tasks) await t.destroy();
    this.tasks = [];
    await Promise.allSettled(this.running.values());
    await this.ticking;
    if (this.leadership.leader) {
      await this.elector.release(this.leadership.epoch).catch(() => {});
      this.leadership = { leader: false, epoch: this.leadership.epoch, holder: null };
    }
    this.metrics.leader.set({ lease: this.elector.name, holder: this.holder }, 0);
  }

  /**
   * Stops at once without handing the lease over, as a crashed replica would: the standby
   * waits for the lease to expire. For benchmarks and drills.
   */
  async abandon(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    for (const t of this.tasks) await t.destroy();
    this.tasks = [];
    this.leadership = { leader: false, epoch: this.leadership.epoch, holder: null };
  }

  /**
   * Runs a controller as soon as it can: now, or right after the run in flight (which may
   * have observed the world before the news that woke it). Several wakes make one run.
   */
  wake(name: string): Promise<RunReport> {
    const inFlight = this.running.get(name);
    if (!inFlight) return this.runOnce(name);
    let next = this.woken.get(name);
    if (!next) {
      next = inFlight.catch(() => undefined).then(() => {
        this.woken.delete(name);
        return this.runOnce(name);
      });
      this.woken.set(name, next);
    }
    return next;
  }

  /** Runs one controller once (the schedule calls this; so can tests and the API). */
  runOnce(name: string): Promise<RunReport> {
    const inFlight = this.running.get(name);
    if (inFlight) return inFlight.then(() => ({ controller: name, skipped: 'busy', decisions: 0, applied: 0, failed: 0, dryRun: 0, deferred: 0 }));
    const run = this.reconcile(name).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async reconcile(name: string): Promise<RunReport> {
    const c = this.controllers.get(name);
    if (!c) throw new Error(`no controller named ${name}; known: ${this.names.join(', ')}`);
    const report: RunReport = { controller: name, decisions: 0, applied: 0, failed: 0, dryRun: 0, deferred: 0 };
    if (this.stopped) return { ...report, skipped: 'stopped' };
    if (!this.isLeader()) return { ...report, skipped: 'not leader' };
    const switches = await readSwitches(this.db);
    const own = switches.byController.get(name);
    if (own?.paused) return { ...report, skipped: 'paused' };
    if (c.needsKube && !this.kube) return { ...report, skipped: 'no cluster' };
    const fence = this.fence;
    report.epoch = fence.epoch;
    const dryRun = Boolean(this.opts.dryRun || switches.globalDryRun || own?.dryRun);
    const started = new Date();
    const end = this.metrics.duration.startTimer({ controller: name });
    let outcome = 'ok';
    try {
      const observed = await c.observe({ db: this.db, kube: this.kube, now: this.opts.clock?.() ?? new Date() });
      const decisions = c.decide(observed);
      report.decisions = decisions.length;
      const failedTargets = new Set<string>();
      const rate = this.opts.rates?.[name] ?? c.rate ?? DEFAULT_RATE;
      for (const [i, d] of decisions.entries()) {
        // A target whose earlier step failed waits for the next run, which observes afresh.
        if (failedTargets.has(d.target.name)) {
          report.deferred++;
          continue;
        }
        if (!this.isLeader() || this.leadership.epoch !== fence.epoch) {
          this.metrics.actions.inc({ controller: name, result: 'fenced' });
          report.deferred += decisions.length - i;
          break;
        }
        if (dryRun) {
          if (await recentlyRecordedDryRun(this.db, name, d, this.opts.dryRunRepeatMs ?? 10 * 60_000)) continue;
          if ((await recordDecision(this.db, fence, name, d, true)) === null) break;
          report.dryRun++;
          this.metrics.actions.inc({ controller: name, result: 'dry_run' });
          continue;
        }
        const bucket = take(this.buckets.get(name) ?? fullBucket(rate, Date.now()), rate, Date.now());
        this.buckets.set(name, bucket.bucket);
        if (!bucket.allowed) {
          this.metrics.actions.inc({ controller: name, result: 'rate_limited' }, decisions.length - i);
          report.deferred += decisions.length - i;
          break;
        }
        const id = await recordDecision(this.db, fence, name, d, false);
        if (id === null) {
          this.metrics.actions.inc({ controller: name, result: 'fenced' });
          report.deferred += decisions.length - i;
          break;
        }
        await this.opts.beforeApply?.(name, i);
        try {
          const result = await c.apply(d.action, this.applyContext(fence));
          await finishAction(this.db, id, { status: 'applied', result });
          report.applied++;
          this.metrics.actions.inc({ controller: name, result: 'applied' });
        } catch (err) {
          await finishAction(this.db, id, { status: 'failed', error: message(err) });
          report.failed++;
          failedTargets.add(d.target.name);
          if (err instanceof FencedError) {
            this.metrics.actions.inc({ controller: name, result: 'fenced' });
            report.deferred += decisions.length - i - 1;
            break;
          }
          this.metrics.actions.inc({ controller: name, result: 'failed' });
          this.log('controller action failed', { controller: name, target: d.target.name, decision: d.decision, error: message(err) });
        }
      }
    } catch (err) {
      outcome = 'error';
      report.error = message(err);
      this.log('controller run failed', { controller: name, error: report.error });
    } finally {
      end({ outcome });
      await this.recordRun(name, fence, started, report, dryRun).catch(() => {});
    }
    return report;
  }

  private applyContext(fence: Fence): ApplyContext {
    return {
      db: this.db,
      kube: this.kube,
      epoch: fence.epoch,
      fenced: (fn) => withTransaction(this.db, async (client) => {
        if (!(await holdsLease(client, fence.lease, fence.holder, fence.epoch))) {
          throw new FencedError(`lease ${fence.lease} is no longer held at epoch ${fence.epoch} by ${fence.holder}`);
        }
        return fn(client);
      }),
    };
  }

  private async recordRun(name: string, fence: Fence, started: Date, r: RunReport, dryRun: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO controller_runs (controller, holder, epoch, started_at, finished_at, decisions, applied, failed, deferred, dry_run, error)
       VALUES ($1, $2, $3, $4, clock_timestamp(), $5, $6, $7, $8, $9, $10)
       ON CONFLICT (controller) DO UPDATE SET holder = $2, epoch = $3, started_at = $4, finished_at = clock_timestamp(),
         decisions = $5, applied = $6, failed = $7, deferred = $8, dry_run = $9, error = $10
       WHERE controller_runs.epoch <= $3`,
      [name, fence.holder, fence.epoch, started, r.decisions, r.applied, r.failed, r.deferred, dryRun, r.error ?? null],
    );
  }
}
