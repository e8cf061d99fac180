// A small in-memory cache: entries live `ttlMs` (or until a given time), at most `max` of
// them (the oldest go first), and clear() drops everything at once.
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;
  /** bumped by clear(): a value computed before a clear is not stored after it */
  private generation = 0;

  constructor(opts: { ttlMs: number; max: number; now?: () => number }) {
    this.ttlMs = opts.ttlMs;
    this.max = opts.max;
    this.now = opts.now ?? Date.now;
  }

  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: K, value: V, until = this.now() + this.ttlMs): void {
    if (this.entries.size >= this.max && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: Math.min(until, this.now() + this.ttlMs) });
  }

  /**
   * The cached value, or `load()`'s, stored unless the cache was cleared while it loaded
   * (a revocation that lands mid-lookup must not be undone by the lookup's stale answer).
   */
  async through(key: K, load: () => Promise<V>, until?: (v: V) => number): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const gen = this.generation;
    const value = await load();
    if (gen === this.generation && value !== undefined) this.set(key, value, until?.(value));
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
