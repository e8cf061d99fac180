// Remediation policies as data: which alerts (label matchers) trigger which action with
// which parameters, and the brakes around it. YAML files in controllers/remediation/policies/
// are loaded at start (source 'repo'); more come through the API (source 'api').
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import YAML from 'yaml';
import type { Queryable } from '../../db/pool.ts';
import { parseMatcher, type Matcher } from '../../slo/alerts/matchers.ts';

export const DEFAULT_COOLDOWN_S = 3_600;
export const DEFAULT_APPROVAL_TTL_S = 3_600;
export const DEFAULT_VERIFY_AFTER_S = 300;
export const DEFAULT_BREAKER_FAILURES = 3;

export const PolicySchema = Type.Object({
  name: Type.String({ minLength: 2, maxLength: 63, pattern: '^[a-z][a-z0-9-]+$' }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  /** Alertmanager matchers, all of which an alert's labels must satisfy */
  match: Type.Array(Type.String({ minLength: 3, maxLength: 1_000 }), { minItems: 1, maxItems: 20 }),
  action: Type.String({ minLength: 2, maxLength: 63 }),
  /** strings may name the alert's labels and annotations: `{{ labels.namespace }}` */
  params: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { default: {}, maxProperties: 50 }),
  enabled: Type.Boolean({ default: true }),
  /** act with dryRun: the action says what it would do and changes nothing */
  dryRun: Type.Boolean({ default: false }),
  /** ask a human even when the action is not risky */
  requireApproval: Type.Boolean({ default: false }),
  approvalTtlSeconds: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: DEFAULT_APPROVAL_TTL_S }),
  /** a target acted on is left alone this long */
  cooldownSeconds: Type.Integer({ minimum: 0, maximum: 7 * 86_400, default: DEFAULT_COOLDOWN_S }),
  /** at most this many actions by this policy per hour */
  maxActionsPerHour: Type.Integer({ minimum: 1, maximum: 1_000, default: 10 }),
  /** blast radius: at most this many distinct targets per hour… */
  maxTargetsPerHour: Type.Integer({ minimum: 1, maximum: 1_000, default: 5 }),
  /** …and at most this share of the kind's fleet (when the action can count it) */
  maxTargetsPercent: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 25 }),
  /** stop every remediation of this kind while more than this share of the fleet is unhealthy */
  maxUnhealthyPercent: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 40 }),
  /** trip the breaker after this many failed remediations in a row */
  breakerFailures: Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_BREAKER_FAILURES }),
  /** re-check the alert (and its SLO) this long after acting */
  verifyAfterSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: DEFAULT_VERIFY_AFTER_S }),
  runbook: Type.Optional(Type.String({ maxLength: 2_000 })),
}, { additionalProperties: false });

export type Policy = Static<typeof PolicySchema>;

export interface CompiledPolicy extends Policy {
  matchers: Matcher[];
  source: 'repo' | 'api';
  trippedAt: Date | null;
  trippedReason: string | null;
  rearmedAt: Date | null;
  /** remediations up to this id happened before the last re-arm */
  rearmedAfterId: number | null;
}

export class PolicyError extends Error {
  readonly statusCode = 400;
}

/** Defaults filled, shape checked, matchers parsed; every problem named. */
export function parsePolicy(doc: unknown, where = 'policy'): Policy & { matchers: Matcher[] } {
  const withDefaults = Value.Default(PolicySchema, structuredClone(doc ?? {}));
  const errors = [...Value.Errors(PolicySchema, withDefaults)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  if (errors.length) throw new PolicyError(`${where}: ${errors.join('; ')}`);
  const p = withDefaults as Policy;
  const matchers = p.match.map((m) => {
    try { return parseMatcher(m); } catch (err) { throw new PolicyError(`${where}: ${(err as Error).message}`); }
  });
  return { ...p, matchers };
}

export const REPO_POLICIES_DIR = new URL('./policies/', import.meta.url).pathname;

/** Every policy in the YAML files of a folder (a file may hold several documents). */
export async function loadPolicyFiles(dir = REPO_POLICIES_DIR): Promise<Policy[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: Policy[] = [];
  for (const f of files) {
    const docs = YAML.parseAllDocuments(await readFile(join(dir, f), 'utf8'));
    for (const [i, d] of docs.entries()) {
      if (d.errors.length) throw new PolicyError(`${f} document ${i + 1}: ${d.errors[0]!.message}`);
      const { matchers: _m, ...p } = parsePolicy(d.toJS(), `${f} document ${i + 1}`);
      out.push(p);
    }
  }
  return out;
}

/** Replaces the repository's policies (an API policy of the same name wins and is kept). */
export async function syncRepoPolicies(db: Queryable, policies: Policy[]): Promise<void> {
  await db.query(`DELETE FROM remediation_policies WHERE source = 'repo' AND NOT (name = ANY($1))`, [policies.map((p) => p.name)]);
  for (const p of policies) {
    await db.query(
      `INSERT INTO remediation_policies (name, source, document, updated_by) VALUES ($1, 'repo', $2, 'repository')
       ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document, updated_at = now() WHERE remediation_policies.source = 'repo'`,
      [p.name, p]);
  }
}

export async function putPolicy(db: Queryable, p: Policy, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO remediation_policies (name, source, document, updated_by) VALUES ($1, 'api', $2, $3)
     ON CONFLICT (name) DO UPDATE SET source = 'api', document = EXCLUDED.document, updated_by = $3, updated_at = now()`,
    [p.name, p, actor]);
}

export async function deletePolicy(db: Queryable, name: string): Promise<boolean> {
  const r = await db.query(`DELETE FROM remediation_policies WHERE name = $1`, [name]);
  return (r.rowCount ?? 0) > 0;
}

export async function listPolicies(db: Queryable): Promise<CompiledPolicy[]> {
  const { rows } = await db.query(`SELECT * FROM remediation_policies ORDER BY name`);
  const out: CompiledPolicy[] = [];
  for (const r of rows) {
    try {
      out.push({ ...parsePolicy(r.document, r.name), source: r.source, trippedAt: r.tripped_at, trippedReason: r.tripped_reason, rearmedAt: r.rearmed_at, rearmedAfterId: r.rearmed_after_id === null ? null : Number(r.rearmed_after_id) });
    } catch {
      // A stored policy that no longer parses (an older schema) is skipped, not fatal.
    }
  }
  return out;
}

/** The circuit breaker: tripped by the controller, re-armed only by a human. */
export async function tripPolicy(db: Queryable, name: string, reason: string): Promise<void> {
  await db.query(`UPDATE remediation_policies SET tripped_at = now(), tripped_reason = $2 WHERE name = $1 AND tripped_at IS NULL`, [name, reason]);
}

export async function rearmPolicy(db: Queryable, name: string, actor: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE remediation_policies SET tripped_at = NULL, tripped_reason = NULL, rearmed_at = now(), rearmed_by = $2,
       rearmed_after_id = (SELECT max(id) FROM remediations WHERE policy = $1) WHERE name = $1`, [name, actor]);
  return (r.rowCount ?? 0) > 0;
}
