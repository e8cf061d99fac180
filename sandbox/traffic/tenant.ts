// One synthetic tenant: its people open workspaces, an agent works in each for a while,
// goes idle, gets paused (by the person or the idle reaper), is resumed, and now and then
// archived. Every step goes through Pilothouse's own API; the agent's usage goes through the
// usage endpoint with the platform's collector token (the runtime meters, not the tenant),
// its traces through the OTLP endpoint with the tenant's ingest token.
import type { Random } from '../fleet/random.ts';
import { between } from '../fleet/random.ts';
import type { PilothouseClient, WorkspaceView } from './client.ts';
import { MODELS, agentStepTrace, computeUsage, llmUsage, storageUsage, type WorkspaceFacts } from './signals.ts';

export interface TenantIdentity {
  id: string;
  name: string;
  /** a tenant admin token: workspaces:write */
  adminToken: string;
  /** a tenant ingest token: telemetry:ingest (the tenant's own traces) */
  ingestToken: string;
  /** the platform's collector token (usage:ingest for every tenant), as the runtime holds it */
  collectorToken: string;
  /** how many workspaces its people keep open */
  workspaces: number;
}

export interface TrafficTimings {
  /** agent sessions at work, a range */
  workMs: [number, number];
  /** then idle, a range */
  idleMs: [number, number];
  /** chance that a person pauses an idle workspace themselves (else the reaper will) */
  pauseShare: number;
  /** paused workspaces are resumed after, a range */
  pausedMs: [number, number];
  /** chance that a paused workspace, when due, is archived instead of resumed */
  archiveShare: number;
  /** a working agent makes this many LLM calls per minute, a range */
  callsPerMinute: [number, number];
}

export const DEMO_TRAFFIC: TrafficTimings = {
  workMs: [2 * 60_000, 10 * 60_000],
  idleMs: [1 * 60_000, 8 * 60_000],
  pauseShare: 0.5,
  pausedMs: [2 * 60_000, 10 * 60_000],
  archiveShare: 0.1,
  callsPerMinute: [2, 8],
};

export interface Counters { events: number; duplicates: number; rejected: number; spans: number; apiCalls: number; errors: number; refusals: number }

interface Session { phase: 'work' | 'idle' | 'paused'; until: number; model: WorkspaceFacts['model'] }

const REPOS = ['acme/api-gateway', 'acme/web-console', 'acme/billing', 'acme/infra', 'acme/mobile-app', 'acme/data-pipeline', 'acme/docs'];
const TASKS = ['fix-flaky-tests', 'upgrade-deps', 'add-pagination', 'refactor-auth', 'write-docs', 'triage-issues', 'speed-up-ci', 'migrate-db'];

export class SyntheticTenant {
  private readonly sessions = new Map<string, Session>();
  private readonly unsent: unknown[] = [];
  private serial = 0;
  private lastStep = 0;
  private readonly who: TenantIdentity;
  private readonly client: PilothouseClient;
  private readonly regions: string[];
  private readonly timings: TrafficTimings;
  private readonly rnd: Random;
  private readonly counters: Counters;
  private readonly onActivity: (workspaceId: string, level: number) => void;

  constructor(o: { who: TenantIdentity; client: PilothouseClient; regions: string[]; timings: TrafficTimings; rnd: Random; counters: Counters; onActivity: (workspaceId: string, level: number) => void }) {
    this.who = o.who;
    this.client = o.client;
    this.regions = o.regions;
    this.timings = o.timings;
    this.rnd = o.rnd;
    this.counters = o.counters;
    this.onActivity = o.onActivity;
  }

  /** One round: look at the workspaces, act on each, send what the agents reported. */
  async step(now = Date.now()): Promise<void> {
    const seconds = this.lastStep ? Math.min(120, (now - this.lastStep) / 1000) : 0;
    this.lastStep = now;
    const listed = await this.client.listWorkspaces(this.who.adminToken, this.who.id);
    this.counters.apiCalls++;
    if (listed?.status !== 200) { if (listed) this.counters.errors++; return; }
    const all: WorkspaceView[] = Array.isArray(listed.body) ? listed.body : listed.body.items;
    const open = all.filter((w) => w.state !== 'archived');
    if (open.length < this.who.workspaces && this.rnd() < 0.5) await this.create();
    const events: unknown[] = [];
    const traces: unknown[] = [];
    const slot = String(Math.floor(now / 1000));
    const end = new Date(now);
    for (const w of open) {
      const facts: WorkspaceFacts = { id: w.id, region: w.region, nodePool: w.nodePool, resourceFactor: w.resourceFactor, model: this.session(w, now).model };
      if (seconds > 0 && (w.state === 'running' || w.state === 'paused')) events.push(...storageUsage(facts, seconds, slot, end));
      if (w.state === 'running') await this.running(w, facts, seconds, slot, end, now, events, traces);
      else if (w.state === 'paused') await this.paused(w, now);
      else if (w.state === 'error' && this.rnd() < 0.2) { await this.client.archive(this.who.adminToken, this.who.id, w.id); this.counters.apiCalls++; }
      if (w.state !== 'running') this.onActivity(w.id, 0);
    }
    await this.send(events, traces);
    for (const id of this.sessions.keys()) if (!open.some((w) => w.id === id)) this.sessions.delete(id);
  }

  private session(w: WorkspaceView, now: number): Session {
    let s = this.sessions.get(w.id);
    if (!s) {
      const model = MODELS[Math.floor(this.rnd() * MODELS.length)]!;
      s = { phase: w.state === 'paused' ? 'paused' : 'work', until: now + between(this.rnd, w.state === 'paused' ? this.timings.pausedMs : this.timings.workMs), model };
      this.sessions.set(w.id, s);
    }
    return s;
  }

  private async create(): Promise<void> {
    const n = ++this.serial;
    const task = TASKS[Math.floor(this.rnd() * TASKS.length)]!;
    const res = await this.client.createWorkspace(this.who.adminToken, this.who.id, {
      name: `${task}-${Date.now().toString(36).slice(-4)}${n}`,
      region: this.regions[Math.floor(this.rnd() * this.regions.length)]!,
      repository: `https://github.com/${REPOS[Math.floor(this.rnd() * REPOS.length)]}`,
      nodePool: this.rnd() < 0.3 ? 'spot' : 'on-demand',
      resourceFactor: this.rnd() < 0.8 ? 1 : 2,
    });
    this.counters.apiCalls++;
    if (res?.status === 429) this.counters.refusals++;
    else if (res && res.status >= 400) this.counters.errors++;
  }

  private async running(w: WorkspaceView, facts: WorkspaceFacts, seconds: number, slot: string, end: Date, now: number, events: unknown[], traces: unknown[]): Promise<void> {
    const s = this.session(w, now);
    if (s.phase === 'paused') { s.phase = 'work'; s.until = now + between(this.rnd, this.timings.workMs); }
    if (seconds > 0) events.push(...computeUsage(facts, seconds, slot, end));
    if (s.phase === 'work') {
      this.onActivity(w.id, 0.6 + 0.4 * this.rnd());
      const calls = Math.round((seconds / 60) * between(this.rnd, this.timings.callsPerMinute));
      events.push(...llmUsage(facts, calls, slot, end, this.rnd));
      for (let i = 0; i < Math.min(calls, 3); i++) traces.push(agentStepTrace(facts, this.who.id, `${slot}:${i}`, end.getTime() - i * 1500, this.rnd));
      // No activity call: the LLM usage naming the workspace is what keeps the idle reaper away.
      if (now >= s.until) { s.phase = 'idle'; s.until = now + between(this.rnd, this.timings.idleMs); }
      return;
    }
    this.onActivity(w.id, 0.02 + 0.05 * this.rnd());
    if (now < s.until) return;
    if (this.rnd() < this.timings.pauseShare) {
      const res = await this.client.action(this.who.adminToken, this.who.id, w.id, 'pause');
      this.counters.apiCalls++;
      if (res && res.status >= 400) this.counters.errors++;
      s.phase = 'paused';
      s.until = now + between(this.rnd, this.timings.pausedMs);
    } else {
      s.phase = 'work';
      s.until = now + between(this.rnd, this.timings.workMs);
    }
  }

  private async paused(w: WorkspaceView, now: number): Promise<void> {
    const s = this.session(w, now);
    if (s.phase !== 'paused') { s.phase = 'paused'; s.until = now + between(this.rnd, this.timings.pausedMs); }
    if (now < s.until) return;
    if (this.rnd() < this.timings.archiveShare) {
      await this.client.archive(this.who.adminToken, this.who.id, w.id);
      this.counters.apiCalls++;
      return;
    }
    const res = await this.client.action(this.who.adminToken, this.who.id, w.id, 'resume');
    this.counters.apiCalls++;
    if (res?.status === 429) { this.counters.refusals++; s.until = now + 60_000; return; }
    s.phase = 'work';
    s.until = now + between(this.rnd, this.timings.workMs);
  }

  private async send(events: unknown[], traces: unknown[]): Promise<void> {
    // Batches refused for load are sent again next round with the same ids (absorbed if stored).
    const batch = [...this.unsent.splice(0), ...events].slice(-1000);
    if (batch.length && this.client.available('events')) {
      const res = await this.client.sendEvents(this.who.collectorToken, this.who.id, batch);
      if (res && res.status < 300) {
        this.counters.events += res.body?.accepted ?? 0;
        this.counters.duplicates += res.body?.duplicates ?? 0;
        this.counters.rejected += res.body?.rejected ?? 0;
      } else if (res && (res.status === 429 || res.status >= 500)) this.unsent.push(...batch);
      else if (res) this.counters.errors++;
    }
    for (const t of traces) {
      if (!this.client.available('traces')) break;
      const res = await this.client.sendTraces(this.who.ingestToken, t);
      if (res && res.status < 300) this.counters.spans += (t as any).resourceSpans[0].scopeSpans[0].spans.length;
      else if (res) this.counters.errors++;
    }
  }
}
