// The state of one panel's data, kept apart: not loaded yet, loaded (maybe empty), failed.
// A reload keeps the data on screen until the new answer arrives, and a late answer to an
// older request never overwrites a newer one.
import { untrack } from 'svelte';

export type LoadState = 'loading' | 'ready' | 'error';

export class Loader<T> {
  state = $state<LoadState>('loading');
  data = $state<T | undefined>(undefined);
  error = $state('');
  /** a reload is in flight while older data is shown */
  refreshing = $state(false);
  #seq = 0;
  #last: (() => Promise<T>) | null = null;

  /**
   * Loads with `fetch` (remembered for retry()). Called from an effect, it does not make the
   * effect depend on this loader's own state (which would reload on every answer).
   */
  load(fetch: () => Promise<T>): Promise<void> {
    return untrack(() => this.#load(fetch));
  }

  async #load(fetch: () => Promise<T>): Promise<void> {
    this.#last = fetch;
    const seq = ++this.#seq;
    if (this.data === undefined) this.state = 'loading';
    this.refreshing = this.data !== undefined;
    try {
      const data = await fetch();
      if (seq !== this.#seq) return;
      this.data = data;
      this.error = '';
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = (e as Error).message;
      this.state = 'error';
    } finally {
      if (seq === this.#seq) this.refreshing = false;
    }
  }

  retry(): Promise<void> {
    const last = this.#last;
    return last ? this.load(last) : Promise.resolve();
  }

  /** Forgets the data (a different thing is about to be loaded: show "loading", not the old one). */
  reset(): void {
    this.#seq++;
    this.data = undefined;
    this.state = 'loading';
    this.error = '';
  }
}
