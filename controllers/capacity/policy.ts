// The capacity policy: which workloads may run on spot capacity and how much of them, and
// the daily cost guard's limit and measures. One TypeBox schema gives validation, the API's
// schema and the types; the repo ships a default (policy.yaml), the API stores new versions.
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import type { Queryable } from '../../db/pool.ts';
import { InvalidError } from '../../tenancy/errors.ts';

const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const LabelValue = Type.String({ maxLength: 63, pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' });

export const SpotWorkload = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
  /** Deployments whose labels match every pair */
  selector: Type.Object({ matchLabels: Type.Record(Type.String({ minLength: 1, maxLength: 317 }), LabelValue, { minProperties: 1 }) }, { additionalProperties: false }),
  onDemandFloor: Share('the least share of replicas kept on on-demand capacity, whatever the target'),
  targetSpotShare: Share('the share of replicas to run on spot capacity'),
  maxSpotShare: Share('the most the cost guard may raise the target to'),
}, { additionalProperties: false });

export const CapacityPolicy = Type.Object({
  spot: Type.Object({
    workloads: Type.Array(SpotWorkload, { maxItems: 50 }),
    movesPerRun: Type.Integer({ minimum: 1, maximum: 50, description: 'replicas moved between capacity types per run, at most' }),
    holdDownMinutes: Type.Integer({ minimum: 0, maximum: 1440, description: 'after an interruption notice, no conversion to spot in that pool for this long' }),
  }, { additionalProperties: false }),
  costGuard: Type.Object({
    dailyLimitUsd: Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000, description: 'the fleet\'s cost per UTC day not to pass' }),
    /** measures, applied in this order while the forecast is over the limit, undone in reverse */
    spotShareStep: Type.Number({ minimum: 0, maximum: 1, description: 'how much each step raises every workload\'s spot target (up to its maxSpotShare); 0 disables' }),
    idlePause: Type.Object({
      minMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'the shortest idle time before pause the guard may set' }),
      stepMinutes: Type.Integer({ minimum: 0, maximum: 1440, description: 'how much each step shortens it; 0 disables' }),
    }, { additionalProperties: false }),
    warmPool: Type.Object({
      minFactor: Share('the smallest share of the planned warm pool the guard may keep'),
      step: Share('how much each step shrinks it; 0 disables'),
    }, { additionalProperties: false }),
    /** undo only when the forecast is below the limit by this share (no flapping at the edge) */
    undoBelow: Share('undo measures once the forecast is under limit × (1 − undoBelow)'),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export type CapacityPolicyT = Static<typeof CapacityPolicy>;
export type SpotWorkloadT = Static<typeof SpotWorkload>;

const checker = Compile(CapacityPolicy);

/** Validates a policy document; the first problem is a 400 naming the field. */
export function parseCapacityPolicy(doc: unknown): CapacityPolicyT {
  if (!checker.Check(doc)) {
    const e = [...checker.Errors(doc)][0];
    throw new InvalidError(`capacity policy is not valid: ${e ? `${e.instancePath || 'document'} ${e.message}` : 'unknown problem'}`);
  }
  const problems: string[] = [];
  const names = new Set<string>();
  for (const w of doc.spot.workloads) {
    if (names.has(w.name)) problems.push(`workload ${w.name} is listed twice`);
    names.add(w.name);
    if (w.targetSpotShare > w.maxSpotShare) problems.push(`workload ${w.name}: targetSpotShare ${w.targetSpotShare} is above maxSpotShare ${w.maxSpotShare}`);
    if (w.maxSpotShare > 1 - w.onDemandFloor + 1e-9) problems.push(`workload ${w.name}: maxSpotShare ${w.maxSpotShare} would break the on-demand floor ${w.onDemandFloor} (at most ${1 - w.onDemandFloor})`);
  }
  if (problems.length) throw new InvalidError(`capacity policy is not valid: ${problems.join('; ')}`);
  return doc;
}

export const DEFAULT_POLICY_FILE = new URL('./policy.yaml', import.meta.url);

let shipped: CapacityPolicyT | undefined;
/** The policy in the repo (controllers/capacity/policy.yaml). */
export function defaultCapacityPolicy(): CapacityPolicyT {
  shipped ??= parseCapacityPolicy(parseYaml(readFileSync(DEFAULT_POLICY_FILE, 'utf8')));
  return structuredClone(shipped);
}

export interface StoredPolicy { policy: CapacityPolicyT; version: number | null; createdBy: string | null; createdAt: Date | null }

/** The newest stored policy, or the shipped one when none was stored. */
export async function currentCapacityPolicy(db: Queryable): Promise<StoredPolicy> {
  const { rows } = await db.query(`SELECT id, policy, created_by, created_at FROM capacity_policies ORDER BY id DESC LIMIT 1`);
  if (!rows[0]) return { policy: defaultCapacityPolicy(), version: null, createdBy: null, createdAt: null };
  return { policy: parseCapacityPolicy(rows[0].policy), version: Number(rows[0].id), createdBy: rows[0].created_by, createdAt: rows[0].created_at };
}

export async function storeCapacityPolicy(db: Queryable, doc: unknown, actor: string): Promise<StoredPolicy> {
  const policy = parseCapacityPolicy(doc);
  const { rows } = await db.query(`INSERT INTO capacity_policies (policy, created_by) VALUES ($1, $2) RETURNING id, created_at`, [JSON.stringify(policy), actor]);
  return { policy, version: Number(rows[0].id), createdBy: actor, createdAt: rows[0].created_at };
}
