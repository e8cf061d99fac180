// Keyset paging over the API's `nextCursor`: the stack of cursors behind the current page,
// so Previous goes back exactly and a refresh reloads the page being looked at. Called from
// an effect, paging never makes the effect depend on the pager's own state.
import { untrack } from 'svelte';

export interface KeysetPage<T> { items: T[]; nextCursor: string | null }

export class KeysetPager<T> {
  items = $state<T[]>([]);
  error = $state('');
  /** a first answer has arrived: before it, "no items" would be a lie */
  loaded = $state(false);
  #seq = 0;
  #cursors = $state<string[]>([]);
  #next = $state<string | null>(null);
  readonly #fetch: (cursor: string | undefined) => Promise<KeysetPage<T>>;

  constructor(fetchPage: (cursor: string | undefined) => Promise<KeysetPage<T>>) {
    this.#fetch = fetchPage;
  }

  get hasPrevious(): boolean { return this.#cursors.length > 0; }
  get hasNext(): boolean { return this.#next !== null; }

  /** Back to the first page (after a filter changed). */
  first(): Promise<void> {
    return untrack(() => {
      this.#cursors = [];
      return this.#load(undefined);
    });
  }
  /** The page being looked at, again. */
  refresh(): Promise<void> { return untrack(() => this.#load(this.#cursors.at(-1))); }
  next(): Promise<void> {
    if (!this.#next) return Promise.resolve();
    this.#cursors = [...this.#cursors, this.#next];
    return this.#load(this.#next);
  }
  previous(): Promise<void> {
    this.#cursors = this.#cursors.slice(0, -1);
    return this.#load(this.#cursors.at(-1));
  }

  async #load(cursor: string | undefined): Promise<void> {
    const seq = ++this.#seq;
    try {
      const page = await this.#fetch(cursor);
      if (seq !== this.#seq) return;
      this.items = page.items;
      this.#next = page.nextCursor;
      this.error = '';
      this.loaded = true;
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = (e as Error).message;
    }
  }
}
