// Which of Pilothouse's own traces are kept: a share of them chosen by trace id (10% by
// default, the roadmap's tracing ratio), and every trace with an error or a slow request,
// whatever the share. Deciding that needs the whole trace, so this span processor holds a
// trace's spans until its local root (the server span) ends, decides, and passes the kept
// ones on to the exporting processor (tail-based sampling at span end). Spans that end after
// their trace was decided follow the decision. Memory is bounded: at most `maxTraces` open
// traces of at most `maxSpansPerTrace` spans; traces whose root never ends are decided
// after `maxAgeMs` on what was seen.
import { SpanStatusCode, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface SamplingOptions {
  /** share of traces kept regardless of outcome, 0 to 1 */
  ratio: number;
  /** a trace whose root took this long or longer is kept */
  slowMs: number;
  maxTraces?: number;
  maxSpansPerTrace?: number;
  maxAgeMs?: number;
  now?: () => number;
}

interface OpenTrace {
  spans: ReadableSpan[];
  keep: boolean;
  opened: number;
}

/** Kept by ratio: the low 32 bits of the trace id, as a fraction, below the ratio (the same id always decides the same way). */
export function keptByRatio(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return Number.parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < ratio;
}

const ms = (d: [number, number]) => d[0] * 1000 + d[1] / 1e6;

/** An error span: its status says so, or it answered with a 5xx. */
export function isError(span: ReadableSpan): boolean {
  if (span.status.code === SpanStatusCode.ERROR) return true;
  const status = Number(span.attributes['http.response.status_code'] ?? span.attributes['http.status_code']);
  return status >= 500;
}

export class TailSamplingProcessor implements SpanProcessor {
  private readonly open = new Map<string, OpenTrace>();
  /** traces decided recently: late spans follow the decision */
  private readonly decided = new Map<string, { keep: boolean; at: number }>();
  private readonly next: SpanProcessor;
  private readonly o: Required<SamplingOptions>;
  private readonly sweeper: NodeJS.Timeout;
  /** counts since start, for tests and /metrics */
  readonly stats = { kept: 0, dropped: 0, keptForError: 0, keptForSlow: 0 };

  constructor(next: SpanProcessor, opts: SamplingOptions) {
    this.next = next;
    this.o = { maxTraces: 10_000, maxSpansPerTrace: 512, maxAgeMs: 30_000, now: Date.now, ...opts };
    this.sweeper = setInterval(() => this.sweep(), Math.min(5_000, this.o.maxAgeMs));
    this.sweeper.unref();
  }

  onStart(span: Span, parent: Context): void {
    this.next.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const earlier = this.decided.get(traceId);
    if (earlier) {
      if (earlier.keep) this.next.onEnd(span);
      return;
    }
    let t = this.open.get(traceId);
    if (!t) {
      if (this.open.size >= this.o.maxTraces) this.decideOldest();
      t = { spans: [], keep: false, opened: this.o.now() };
      this.open.set(traceId, t);
    }
    if (t.spans.length < this.o.maxSpansPerTrace) t.spans.push(span);
    if (isError(span)) {
      if (!t.keep) this.stats.keptForError++;
      t.keep = true;
    }
    const localRoot = !span.parentSpanContext || span.parentSpanContext.isRemote;
    if (localRoot) {
      if (!t.keep && ms(span.duration) >= this.o.slowMs) {
        t.keep = true;
        this.stats.keptForSlow++;
      }
      this.decide(traceId, t);
    }
  }

  private decide(traceId: string, t: OpenTrace): void {
    this.open.delete(traceId);
    const keep = t.keep || keptByRatio(traceId, this.o.ratio);
    this.decided.set(traceId, { keep, at: this.o.now() });
    if (keep) {
      this.stats.kept++;
      for (const s of t.spans) this.next.onEnd(s);
    } else this.stats.dropped++;
  }

  private decideOldest(): void {
    const oldest = this.open.entries().next();
    if (!oldest.done) this.decide(oldest.value[0], oldest.value[1]);
  }

  /** Decides traces open too long and forgets old decisions. */
  sweep(): void {
    const now = this.o.now();
    for (const [id, t] of this.open) if (now - t.opened >= this.o.maxAgeMs) this.decide(id, t);
    for (const [id, d] of this.decided) {
      if (now - d.at < this.o.maxAgeMs) break; // insertion order is time order
      this.decided.delete(id);
    }
  }

  async forceFlush(): Promise<void> {
    for (const [id, t] of [...this.open]) this.decide(id, t);
    await this.next.forceFlush();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.forceFlush();
    await this.next.shutdown();
  }
}
