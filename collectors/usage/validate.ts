// Per-event validation: pure, so every rejection reason is a unit-testable rule. The
// caller looks up the workspaces an event names and the closed periods beforehand.
import { envelopeProblem } from './cloudevent.ts';
import type { Meter } from './meters.ts';

export const MAX_AGE_MS = 35 * 24 * 3600_000;
export const MAX_FUTURE_MS = 5 * 60_000;
const MAX_ABS_QUANTITY = 1e15;

export const REJECTION_REASONS = [
  'malformed', 'unknown_meter', 'invalid_quantity', 'negative_quantity', 'too_old', 'in_future',
  'unknown_subject', 'closed_period', 'invalid_correction',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** An accepted event, as stored. */
export interface UsageEvent {
  time: Date;
  meter: string;
  /** decimal text, stored as numeric so sums are exact */
  quantity: string;
  source: string;
  id: string;
  subject: string | null;
  dimensions: Record<string, string | number | boolean>;
  /** the id of the event (same source) this one corrects; required when the quantity is negative */
  corrects?: string;
}

export type Checked = { ok: true; event: UsageEvent } | { ok: false; reason: RejectionReason; message: string };

export interface ValidationContext {
  meters: ReadonlyMap<string, Meter>;
  now: Date;
  /** workspace ids of the tenant among the subjects of the batch */
  workspaces: ReadonlySet<string>;
  /** events before this instant fall in a closed billing period */
  closedUntil: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const reject = (reason: RejectionReason, message: string): Checked => ({ ok: false, reason, message });

export function checkEvent(raw: unknown, ctx: ValidationContext): Checked {
  const problem = envelopeProblem(raw);
  if (problem) return reject(problem.reason, problem.message);
  const ev = raw as { id: string; source: string; type: string; time?: string; subject?: string; corrects?: unknown; data: Record<string, unknown> };
  if ([ev.id, ev.source, ev.subject ?? ''].some((s) => s.includes('\0'))) return reject('malformed', 'id, source and subject must not contain NUL characters');
  if (ev.corrects !== undefined && (typeof ev.corrects !== 'string' || ev.corrects.length === 0 || ev.corrects.length > 200)) {
    return reject('invalid_correction', 'corrects must be the id (1-200 characters) of the event, from the same source, that this event corrects');
  }

  const meter = ctx.meters.get(ev.type);
  if (!meter) {
    return reject('unknown_meter', `unknown meter "${ev.type}": the event type must name a meter (${[...ctx.meters.keys()].join(', ')})`);
  }
  const quantity = ev.data.quantity as number;
  if (!Number.isFinite(quantity) || Math.abs(quantity) > MAX_ABS_QUANTITY) return reject('invalid_quantity', `data.quantity must be a finite number of at most ${MAX_ABS_QUANTITY} in magnitude`);
  if (quantity < 0 && meter.aggregation !== 'sum') {
    return reject('negative_quantity', `data.quantity is negative, but ${meter.name} aggregates by ${meter.aggregation}: only sum meters take negative corrections (cancel the event instead)`);
  }
  if (quantity < 0 && ev.corrects === undefined) {
    return reject('invalid_correction', 'data.quantity is negative, which makes this a correction: name the event it corrects (its id, same source) in the corrects attribute');
  }
  if (ev.corrects === ev.id) return reject('invalid_correction', 'an event cannot correct itself: corrects names an earlier event');

  const time = ev.time === undefined ? ctx.now : new Date(ev.time);
  if (Number.isNaN(time.getTime())) return reject('malformed', `time "${ev.time}" is not a valid timestamp`);
  if (ctx.now.getTime() - time.getTime() > MAX_AGE_MS) return reject('too_old', `time ${ev.time} is more than 35 days in the past: usage that old is no longer accepted`);
  if (time.getTime() - ctx.now.getTime() > MAX_FUTURE_MS) return reject('in_future', `time ${ev.time} is more than 5 minutes in the future: check the sender's clock`);
  if (ctx.closedUntil && time < ctx.closedUntil) {
    return reject('closed_period', `time ${ev.time} falls in a closed billing period (closed until ${ctx.closedUntil.toISOString()}): send a correction dated in the open period`);
  }

  let subject: string | null = null;
  if (ev.subject !== undefined) {
    subject = ev.subject.toLowerCase();
    if (!UUID.test(subject) || !ctx.workspaces.has(subject)) return reject('unknown_subject', `subject "${ev.subject}" is not a workspace of this tenant`);
  }

  const dimensions: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(ev.data)) {
    if (k === 'quantity') continue;
    if (typeof v === 'string' && v.includes('\0')) return reject('malformed', `data.${k} must not contain NUL characters`);
    dimensions[k] = v as string | number | boolean;
  }
  if (meter.uniqueBy && (dimensions[meter.uniqueBy] === undefined)) {
    return reject('malformed', `data.${meter.uniqueBy} is missing: ${meter.name} counts its distinct values`);
  }
  const event: UsageEvent = { time, meter: meter.name, quantity: String(quantity), source: ev.source, id: ev.id, subject, dimensions };
  if (typeof ev.corrects === 'string') event.corrects = ev.corrects;
  return { ok: true, event };
}

/** The subjects an event list names that look like workspace ids (to look up in one query). */
export function subjectsOf(raws: unknown[]): string[] {
  const out = new Set<string>();
  for (const r of raws) {
    const s = (r as { subject?: unknown } | null)?.subject;
    if (typeof s === 'string' && UUID.test(s)) out.add(s.toLowerCase());
  }
  return [...out];
}
