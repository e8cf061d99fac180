// What a load scenario is: the SLOs that judge it, its load profiles, and the requests it
// sends once its fixtures exist on the target.
import type { Tightening } from '../thresholds.ts';

export const PROFILES = ['ci', 'nightly', 'soak'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface Profile {
  /** requests per second, started on schedule whatever the answers (open model) */
  rate: number;
  /** measured seconds */
  durationS: number;
  /** seconds of the same load sent before measuring (connections, JIT, caches) */
  warmupS: number;
  /** at most this many requests in flight; more wait for a socket, and the wait counts */
  connections: number;
}

/**
 * One kind of request. Placeholders in `paths` and `body`: {{seq}} (the request's number),
 * {{uuid}} (a fresh UUID), {{now}} (the send time, RFC 3339).
 */
export interface RequestSpec {
  /** the route it exercises, e.g. "GET /api/v1/tenants": thresholds apply per route */
  route: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** sent in turn, one per request of this kind */
  paths: string[];
  headers?: Record<string, string>;
  body?: string;
  /** share of the scenario's rate (default 1) */
  weight?: number;
}

/** The target as setup sees it: calls with the operator's token. */
export interface Target {
  baseUrl: string;
  /** the operator's token (a platform admin's), which setup and the console reads use */
  token: string;
  api<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
}

export interface Scenario {
  name: string;
  description: string;
  /** names of SLOs in slo/specs/ whose objectives become the thresholds */
  slos: string[];
  /** limits below the SLOs' own (never above) */
  tighten?: Tightening;
  profiles: Record<ProfileName, Profile>;
  /** needs a Kubernetes API for the controllers (a runner-started Pilothouse then gets the sandbox's) */
  cluster?: boolean;
  /** creates the scenario's fixtures on the target; returns the requests to send */
  setup(target: Target): Promise<RequestSpec[]>;
}
