// Runs the synthetic tenants on a timer against a Pilothouse server, and says what it did.
import { seeded } from '../fleet/random.ts';
import { PilothouseClient } from './client.ts';
import { DEMO_TRAFFIC, SyntheticTenant, type Counters, type TenantIdentity, type TrafficTimings } from './tenant.ts';

export interface TrafficOptions {
  /** where Pilothouse answers, such as http://127.0.0.1:8080 */
  baseUrl: string;
  tenants: TenantIdentity[];
  regions: string[];
  intervalMs?: number;
  timings?: Partial<TrafficTimings>;
  seed?: number;
  /** how busy a workspace's agent is, 0..1 (feeds the fleet's pod metrics) */
  onActivity?: (workspaceId: string, level: number) => void;
  log?: (message: string) => void;
}

export interface TrafficStatus extends Counters {
  tenants: number;
  rounds: number;
  /** endpoints that are not there (yet), skipped */
  skipped: string[];
}

export class Traffic {
  private readonly client: PilothouseClient;
  private readonly tenants: SyntheticTenant[];
  private readonly counters: Counters = { events: 0, duplicates: 0, rejected: 0, spans: 0, apiCalls: 0, errors: 0, refusals: 0 };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private rounds = 0;
  private readonly intervalMs: number;
  private readonly log: (message: string) => void;
  private readonly reported = new Set<string>();

  constructor(o: TrafficOptions) {
    this.client = new PilothouseClient(o.baseUrl);
    this.intervalMs = o.intervalMs ?? 5_000;
    this.log = o.log ?? (() => {});
    const rnd = seeded(o.seed ?? 7);
    const timings = { ...DEMO_TRAFFIC, ...o.timings };
    this.tenants = o.tenants.map((who) => new SyntheticTenant({ who, client: this.client, regions: o.regions, timings, rnd, counters: this.counters, onActivity: o.onActivity ?? (() => {}) }));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
    void this.round();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round over every tenant; a round still running is not doubled. */
  round(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        for (const t of this.tenants) {
          try {
            await t.step();
          } catch (err) {
            this.counters.errors++;
            this.log(`synthetic tenant step failed: ${(err as Error).message}`);
          }
        }
        this.rounds++;
        for (const [endpoint, why] of this.client.missing) {
          if (this.reported.has(endpoint)) continue;
          this.reported.add(endpoint);
          this.log(`demo traffic skips ${endpoint}: ${why}`);
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  status(): TrafficStatus {
    return { ...this.counters, tenants: this.tenants.length, rounds: this.rounds, skipped: [...this.client.missing.values()] };
  }
}
