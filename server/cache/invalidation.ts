// Cache invalidation across replicas: the database announces changes on channel
// pilothouse_cache (triggers in migration 20261203030100) and every replica listening drops
// the caches of that topic. While the listening connection is down nothing can be trusted to
// be fresh, so caching is off until it is back (and everything is cleared when it returns).
import pg from 'pg';
import type { Db } from '../../db/pool.ts';

export const CHANNEL = 'pilothouse_cache';
export type Topic = 'auth' | 'slo';

export class CacheInvalidation {
  private readonly handlers = new Map<Topic, Set<() => void>>();
  private client?: pg.Client;
  private closed = false;
  private retry?: NodeJS.Timeout;
  /** true while notifications are being received: caches may serve hits */
  listening = false;

  on(topic: Topic, clear: () => void): void {
    if (!this.handlers.has(topic)) this.handlers.set(topic, new Set());
    this.handlers.get(topic)!.add(clear);
  }

  /** Drops the caches of a topic in this process now (the writer's own replica does not wait for the notification). */
  emit(topic: Topic): void {
    for (const clear of this.handlers.get(topic) ?? []) clear();
  }

  private emitAll(): void {
    for (const topic of this.handlers.keys()) this.emit(topic);
  }

  async start(db: Db): Promise<void> {
    if (this.closed) return;
    try {
      // A connection of its own, outside the pool: it is held for as long as the process runs,
      // and must not keep pool.end() waiting.
      const client = new pg.Client(db.options);
      this.client = client;
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel === CHANNEL && (n.payload === 'auth' || n.payload === 'slo')) this.emit(n.payload);
      });
      client.on('error', () => this.lost(db));
      client.on('end', () => {
        if (this.client === client) this.lost(db);
      });
      await client.query(`LISTEN ${CHANNEL}`);
      this.emitAll();
      this.listening = true;
    } catch {
      this.lost(db);
    }
  }

  private lost(db: Db): void {
    this.listening = false;
    this.emitAll();
    const c = this.client;
    this.client = undefined;
    void c?.end().catch(() => {});
    if (!this.closed && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        void this.start(db);
      }, 1000);
      this.retry.unref();
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.listening = false;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    if (c) {
      await c.end().catch(() => {});
    }
  }
}
