// Shared by the k6 scripts: where to send load, the generated options of a profile, a setup
// helper, and the summary files. Options (scenarios and thresholds) are never written here:
// `pilothouse loadtest k6` generates them from the SLO specs into options/.
import http from 'k6/http';
import { fail } from 'k6';
import type { Options } from 'k6/options';

export const BASE_URL = (__ENV.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
/** a platform token that may create tenants, tokens and workspaces (setup makes its fixtures) */
export const TOKEN = __ENV.PILOTHOUSE_TOKEN ?? '';
export const PROFILE = __ENV.PROFILE ?? 'ci';

interface OptionsFile {
  scenario: string;
  profiles: Record<string, Options>;
}

/** The generated options of one scenario for PROFILE (ci, nightly or soak). Call it in the init context. */
export function optionsOf(scenario: string): Options {
  const file = JSON.parse(open(`./options/${scenario}.json`)) as OptionsFile;
  const options = file.profiles[PROFILE];
  if (!options) fail(`no profile ${PROFILE} in options/${scenario}.json: use ${Object.keys(file.profiles).join(', ')}`);
  return options;
}

/** A setup call with the operator's token; stops the test with the answer when it fails. */
export function api<T>(method: string, path: string, body?: unknown, token = TOKEN): T {
  const res = http.request(method, BASE_URL + path, body === undefined ? null : JSON.stringify(body), {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    tags: { route: 'setup' },
  });
  if (res.status < 200 || res.status >= 300) fail(`${method} ${path}: ${res.status} ${String(res.body).slice(0, 300)}`);
  return res.json() as T;
}

export const authorized = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

/** A fresh id per request, unique across VUs. */
export function uniqueId(): string {
  return `${Date.now().toString(36)}-${__VU}-${__ITER}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A random hex string of `bytes` bytes (trace and span ids). */
export function hex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes * 2; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/**
 * handleSummary's files: the end-of-test summary as JSON (SUMMARY_FILE, default
 * <scenario>-summary.json), which POST /api/v1/loadtest-runs?format=k6 imports as it is.
 */
export function summaryFiles(scenario: string, data: object): Record<string, string> {
  const d = data as { metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }> };
  const failed = Object.entries(d.metrics).flatMap(([m, v]) => Object.entries(v.thresholds ?? {}).filter(([, r]) => !r.ok).map(([e]) => `${m} ${e}`));
  const p95 = d.metrics.http_req_duration?.values['p(95)'];
  return {
    [__ENV.SUMMARY_FILE ?? `${scenario}-summary.json`]: JSON.stringify(data, null, 2),
    stdout: `${scenario} (${PROFILE}): p95 ${p95?.toFixed(1)} ms; ${failed.length ? `FAILED ${failed.join(', ')}` : 'every threshold met'}\n`,
  };
}
