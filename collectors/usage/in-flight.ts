// Bounded work in flight: past the limit a request is refused at once (429 + Retry-After)
// instead of queueing for a database connection without bound. A slot is a handle whose
// release is idempotent, tied to the end of the HTTP exchange it serves (the response's
// 'close', which Node emits after a normal finish, an abort, a timeout or a socket error
// alike), so no path that took a slot can leave without giving it back.
import type { ServerResponse } from 'node:http';

export interface Slot {
  /** gives the slot back; calling it again does nothing */
  release(): void;
}

export class InFlightLimit {
  private current = 0;
  private readonly max: number;
  private readonly onChange: (inFlight: number) => void;

  constructor(max: number, onChange: (inFlight: number) => void = () => {}) {
    this.max = max;
    this.onChange = onChange;
  }

  tryAcquire(): Slot | undefined {
    if (this.current >= this.max) return undefined;
    this.current++;
    this.onChange(this.current);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.current--;
        this.onChange(this.current);
      },
    };
  }

  /**
   * A slot for the exchange that `res` answers, released when it closes; 'gone' when the
   * exchange already ended (the client left while the caller was authenticated), so none
   * is taken for a response that will never be written.
   */
  holdFor(res: ServerResponse): 'held' | 'full' | 'gone' {
    if (res.closed || res.destroyed || res.socket?.destroyed) return 'gone';
    const slot = this.tryAcquire();
    if (!slot) return 'full';
    res.once('close', slot.release);
    return 'held';
  }

  get inFlight(): number {
    return this.current;
  }
}
