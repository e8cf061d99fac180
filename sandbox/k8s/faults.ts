// Fault injection for tests of clients that must survive a flaky API server: answer the
// next N matching requests with an error Status, hold them until the client times out,
// drop the connection, or delay them. With `after: true` the request takes effect first and
// only the answer is lost or replaced: the case that makes a retry duplicate an action.
import { STATUS_CODES } from 'node:http';

export interface FaultMatch {
  /** HTTP method(s), such as 'PATCH' */
  method?: string | string[];
  /** resource plural, such as 'deployments' or 'leases' */
  resource?: string;
  namespace?: string;
  name?: string;
  /** 'status' or 'scale' */
  subresource?: string;
  /** a regular expression (or its source) tested against the request path and query */
  path?: RegExp | string;
}

export type FaultAction =
  /** answer with a Kubernetes Status of this HTTP code (500, 503, 409, 429, 504...) */
  | { kind: 'status'; code: number; reason?: string; message?: string; retryAfterSeconds?: number }
  /** never answer; the connection is closed after holdMs (default 30 s) or when the server stops */
  | { kind: 'timeout'; holdMs?: number }
  /** close the connection without an answer */
  | { kind: 'reset' }
  /** answer normally, ms later */
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  match?: FaultMatch;
  action: FaultAction;
  /** how many matching requests it applies to (default 1; Infinity for all) */
  times?: number;
  /** apply the request, then lose or replace its answer */
  after?: boolean;
}

export interface FaultState extends Required<Omit<FaultRule, 'match'>> { id: number; match: FaultMatch; hits: number }

export interface RequestFacts { method: string; path: string; resource?: string; namespace?: string; name?: string; subresource?: string }

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Expired', 422: 'Invalid',
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

export function faultStatusBody(a: Extract<FaultAction, { kind: 'status' }>, facts: RequestFacts) {
  const reason = a.reason ?? REASONS[a.code] ?? (STATUS_CODES[a.code] ?? 'Unknown').replace(/\s+/g, '');
  const message = a.message ?? (a.code === 409
    ? `Operation cannot be fulfilled on ${facts.resource ?? 'resource'} "${facts.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`
    : a.code === 429 ? 'the server has received too many requests and has asked us to try again later'
      : a.code === 504 ? 'the server was unable to return a response in the time allotted, but may still be processing the request'
        : `injected fault: ${a.code} ${STATUS_CODES[a.code] ?? ''}`.trim());
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason,
    details: { name: facts.name, kind: facts.resource, ...(a.retryAfterSeconds !== undefined ? { retryAfterSeconds: a.retryAfterSeconds } : {}) },
    code: a.code,
  };
}

export class FaultInjector {
  private rules: FaultState[] = [];
  private nextId = 1;

  /** Adds a rule; returns its live state (hits, times left). */
  inject(rule: FaultRule): FaultState {
    const state: FaultState = { id: this.nextId++, match: rule.match ?? {}, action: rule.action, times: rule.times ?? 1, after: rule.after ?? false, hits: 0 };
    this.rules.push(state);
    return state;
  }

  /** The next `n` matching requests get a `code` Status (500 by default). */
  failNext(n: number, code = 500, match: FaultMatch = {}, after = false): FaultState {
    return this.inject({ match, action: { kind: 'status', code, ...(code === 429 ? { retryAfterSeconds: 1 } : {}) }, times: n, after });
  }

  /** The next `n` matching requests are never answered (the client's timeout fires). */
  timeoutNext(n: number, match: FaultMatch = {}, holdMs?: number, after = false): FaultState {
    return this.inject({ match, action: { kind: 'timeout', holdMs }, times: n, after });
  }

  clear(): void { this.rules = []; }

  remove(id: number): void { this.rules = this.rules.filter((r) => r.id !== id); }

  list(): FaultState[] { return this.rules.map((r) => ({ ...r })); }

  /** Takes the first rule matching this request (counting it), if any. */
  take(facts: RequestFacts, after: boolean): FaultState | undefined {
    const rule = this.rules.find((r) => r.after === after && r.times > 0 && matches(r.match, facts));
    if (!rule) return undefined;
    rule.times--;
    rule.hits++;
    if (rule.times <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }
}

function matches(m: FaultMatch, f: RequestFacts): boolean {
  if (m.method && ![m.method].flat().map((x) => x.toUpperCase()).includes(f.method)) return false;
  if (m.resource && m.resource !== f.resource) return false;
  if (m.namespace && m.namespace !== f.namespace) return false;
  if (m.name && m.name !== f.name) return false;
  if (m.subresource !== undefined && m.subresource !== (f.subresource ?? '')) return false;
  if (m.path && !(typeof m.path === 'string' ? new RegExp(m.path) : m.path).test(f.path)) return false;
  return true;
}

/** For another process: adds a rule through the sandbox server's `/sandbox/v1/faults` endpoint. */
export async function injectFault(serverUrl: string, rule: FaultRule): Promise<{ id: number }> {
  const body = { ...rule, times: rule.times === Infinity ? -1 : rule.times, match: rule.match && { ...rule.match, path: rule.match.path instanceof RegExp ? rule.match.path.source : rule.match.path } };
  const res = await fetch(new URL('/sandbox/v1/faults', serverUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`injecting a fault failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number };
}

/** Removes every fault rule through the sandbox server's endpoint. */
export async function clearFaults(serverUrl: string): Promise<void> {
  const res = await fetch(new URL('/sandbox/v1/faults', serverUrl), { method: 'DELETE' });
  if (!res.ok) throw new Error(`clearing faults failed: ${res.status}`);
}
