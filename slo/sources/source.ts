// Where an SLI's events come from. A source answers two questions: how many events (and how
// many bad) in each of several ranges, and the same per fixed slice (Timeslices budgeting).
import type { EventCounts } from '../math/sli.ts';
import type { TimeRange } from '../math/calendar.ts';
import type { SloDefinition } from '../openslo/types.ts';

export interface SliSource {
  counts(slo: SloDefinition, ranges: readonly TimeRange[]): Promise<EventCounts[]>;
  /** one entry per slice of `sliceMs` from range.from (aligned to it) to range.to */
  slices(slo: SloDefinition, range: TimeRange, sliceMs: number): Promise<EventCounts[]>;
  /** optional: read ahead for a pass over these SLOs at `now` (one query for many) */
  prepare?(slos: readonly SloDefinition[], now: Date): Promise<void>;
}

export class SourceUnavailableError extends Error {
  readonly statusCode = 503;
}
