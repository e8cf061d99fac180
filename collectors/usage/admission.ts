// Bounded work in flight: past the limit a request is refused at once (429 + Retry-After)
// instead of queueing for a database connection without bound.
export class InFlightLimit {
  private current = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  tryAcquire(): boolean {
    if (this.current >= this.max) return false;
    this.current++;
    return true;
  }

  release(): void {
    if (this.current > 0) this.current--;
  }

  get inFlight(): number {
    return this.current;
  }
}
