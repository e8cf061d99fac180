// A Faro batch → rows of rum_events: web vitals one row per vital, exceptions, logs,
// events and other measurements, each with its app, page and session. Pure.
import type { FaroPayloadT } from './schema.ts';

export const WEB_VITALS = ['lcp', 'inp', 'cls', 'fcp', 'ttfb'] as const;
export type WebVital = (typeof WEB_VITALS)[number];

export interface RumEventRow {
  tenantId: string | null;
  appId: string;
  at: string;
  kind: 'vital' | 'exception' | 'log' | 'event' | 'measurement';
  name: string;
  value: number | null;
  message: string | null;
  page: string | null;
  pageUrl: string | null;
  sessionId: string | null;
  traceId: string | null;
  spanId: string | null;
  details: Record<string, unknown>;
  meta: Record<string, unknown>;
}

const ID_SEGMENT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|[0-9a-f]{16,}|[A-Za-z0-9_-]{24,})$/i;

/** The page a URL shows, with ids folded (/tenants/3f…/members → /tenants/:id/members), so
 *  that vitals group per page rather than per record. */
export function pageOf(url: string | undefined): string | null {
  if (!url) return null;
  let path: string;
  try {
    path = new URL(url, 'http://page.invalid').pathname;
  } catch {
    return null;
  }
  const folded = path.split('/').map((seg) => (ID_SEGMENT.test(seg) ? ':id' : seg)).join('/');
  return folded.length > 1 ? folded.replace(/\/+$/, '') : '/';
}

export interface EventContext {
  tenantId: string | null;
  appId: string;
  /** x-faro-session-id, for a batch whose meta has no session */
  sessionHeader?: string;
  now: Date;
  /** browser clocks drift: a timestamp outside [earliest, now + 1 h] is replaced by `now` */
  earliest: Date;
}

export function toRumEvents(p: FaroPayloadT, c: EventContext): RumEventRow[] {
  const meta = {
    ...(p.meta.app ? { app: p.meta.app } : {}),
    ...(p.meta.browser ? { browser: p.meta.browser } : {}),
    ...(p.meta.view ? { view: p.meta.view } : {}),
    ...(p.meta.sdk ? { sdk: p.meta.sdk } : {}),
    ...(p.meta.user?.id ? { user: { id: p.meta.user.id } } : {}),
  };
  const base = {
    tenantId: c.tenantId,
    appId: c.appId,
    page: pageOf(p.meta.page?.url),
    pageUrl: p.meta.page?.url ?? null,
    sessionId: p.meta.session?.id ?? c.sessionHeader ?? null,
    meta,
  };
  const latest = c.now.getTime() + 3_600_000;
  const at = (ts: string | undefined) => {
    const t = ts ? Date.parse(ts) : NaN;
    return new Date(Number.isFinite(t) && t >= c.earliest.getTime() && t <= latest ? t : c.now.getTime()).toISOString();
  };
  const trace = (tc: { trace_id?: string; span_id?: string } | undefined) => ({ traceId: tc?.trace_id || null, spanId: tc?.span_id || null });
  const rows: RumEventRow[] = [];

  for (const m of p.measurements ?? []) {
    const common = { ...base, at: at(m.timestamp), ...trace(m.trace), message: null };
    if (m.type === 'web-vitals') {
      const extra = Object.fromEntries(Object.entries(m.values).filter(([k]) => !(WEB_VITALS as readonly string[]).includes(k)));
      for (const vital of WEB_VITALS) {
        const value = m.values[vital];
        if (value === undefined) continue;
        rows.push({ ...common, kind: 'vital', name: vital, value, details: { values: extra, ...(m.context ? { context: m.context } : {}) } });
      }
    } else {
      rows.push({ ...common, kind: 'measurement', name: m.type ?? 'custom', value: null, details: { values: m.values, ...(m.context ? { context: m.context } : {}) } });
    }
  }
  for (const e of p.exceptions ?? []) {
    rows.push({
      ...base, at: at(e.timestamp), ...trace(e.trace), kind: 'exception', name: e.type || 'Error', value: null, message: e.value ?? null,
      details: { ...(e.stacktrace ? { stacktrace: e.stacktrace } : {}), ...(e.context ? { context: e.context } : {}) },
    });
  }
  for (const l of p.logs ?? []) {
    rows.push({ ...base, at: at(l.timestamp), ...trace(l.trace), kind: 'log', name: l.level || 'info', value: null, message: l.message ?? null, details: l.context ? { context: l.context } : {} });
  }
  for (const e of p.events ?? []) {
    rows.push({
      ...base, at: at(e.timestamp), ...trace(e.trace), kind: 'event', name: e.name, value: null, message: null,
      details: { ...(e.domain ? { domain: e.domain } : {}), ...(e.attributes ? { attributes: e.attributes } : {}) },
    });
  }
  return rows;
}
