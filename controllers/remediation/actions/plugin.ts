// What an action is: a name, a JSON schema of its parameters, whether it is risky (then a
// human approves it first), and an `apply(kube, dryRun, fencingToken, params, ctx)`. The
// built-in actions and an operator's plugin modules are the same shape, checked at load.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Db } from '../../../db/pool.ts';
import type { Kube } from '../../../kube/client.ts';

const require = createRequire(import.meta.url);
// ajv is the JSON Schema validator fastify itself uses.
const Ajv = require('ajv').default ?? require('ajv');
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

export interface ActionContext {
  db: Db;
  /** a transaction that holds the lease at the fencing token (see controllers/runtime) */
  fenced<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** the alert that triggered the action, for actions that report about it */
  alert?: { id: number; alertname: string; labels: Record<string, string>; annotations: Record<string, string> };
  policy?: string;
  now: Date;
  /** enqueue a notification (controllers/notifications) */
  notify?(subject: string, text: string, labels: Record<string, string>): Promise<void>;
}

export interface FleetHealth {
  total: number;
  unhealthy: number;
}

export interface ActionPlugin<P = any> {
  name: string;
  description?: string;
  /** a JSON schema (draft 7 / 2019, as TypeBox writes) of the parameters */
  paramsSchema: object;
  risky: boolean;
  /** what the action works on (pod, node, deployment, region, tenant…): brakes count per kind */
  kind?: string;
  /** a stable name of the target, for cooldowns and blast radius; default: the params' JSON */
  target?(params: P): string;
  /** how much of the fleet of this kind is unhealthy (for maxUnhealthy), when it can tell */
  fleetHealth?(kube: Kube): Promise<FleetHealth>;
  apply(kube: Kube | undefined, dryRun: boolean, fencingToken: number, params: P, ctx: ActionContext): Promise<unknown>;
}

export interface LoadedAction extends ActionPlugin {
  kind: string;
  target(params: unknown): string;
  /** null when the params fit the schema; else what is wrong */
  check(params: unknown): string | null;
  source: string;
}

export class PluginError extends Error {}

const NAME = /^[a-z][a-z0-9-]{1,62}$/;

/** Checks a module's shape and compiles its schema; a bad one is refused with what to fix. */
export function validatePlugin(mod: unknown, source: string): LoadedAction {
  const m = (mod && typeof mod === 'object' && 'default' in mod ? (mod as { default: unknown }).default : mod) as Partial<ActionPlugin> | undefined;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') throw new PluginError(`action plugin ${source}: the module must export an action object (as its default export)`);
  if (typeof m.name !== 'string' || !NAME.test(m.name)) problems.push(`"name" must be lower-case letters, digits and dashes, 2 to 63 characters (got ${JSON.stringify(m.name)})`);
  if (typeof m.risky !== 'boolean') problems.push(`"risky" must be true or false (got ${JSON.stringify(m.risky)})`);
  if (typeof m.apply !== 'function') problems.push('"apply" must be a function apply(kube, dryRun, fencingToken, params, ctx)');
  if (m.target !== undefined && typeof m.target !== 'function') problems.push('"target", when given, must be a function of the params');
  if (m.fleetHealth !== undefined && typeof m.fleetHealth !== 'function') problems.push('"fleetHealth", when given, must be a function of the client');
  if (m.kind !== undefined && (typeof m.kind !== 'string' || !NAME.test(m.kind))) problems.push('"kind", when given, must be a short lower-case name');
  let validate: ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | undefined;
  if (!m.paramsSchema || typeof m.paramsSchema !== 'object' || Array.isArray(m.paramsSchema)) problems.push('"paramsSchema" must be a JSON schema object');
  else {
    try {
      validate = ajv.compile(m.paramsSchema);
    } catch (err) {
      problems.push(`"paramsSchema" is not a valid JSON schema: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new PluginError(`action plugin ${source} refused: ${problems.join('; ')}`);
  const plugin = m as ActionPlugin;
  return {
    ...plugin,
    kind: plugin.kind ?? plugin.name,
    source,
    target: (p) => (plugin.target ? plugin.target(p) : JSON.stringify(p)),
    check(params) {
      if (validate!(params)) return null;
      return (validate!.errors ?? []).map((e) => `${e.instancePath || 'params'} ${e.message}`).join('; ');
    },
  };
}

/** Imports a plugin module from a file (TypeScript runs directly on Node 24) and checks it. */
export async function loadPluginFile(path: string): Promise<LoadedAction> {
  const abs = resolve(path);
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (err) {
    throw new PluginError(`action plugin ${abs} could not be loaded: ${(err as Error).message}`);
  }
  return validatePlugin(mod, abs);
}

/** The actions by name: the built-ins, then plugins (a plugin may not shadow a built-in). */
export class ActionRegistry {
  private readonly actions = new Map<string, LoadedAction>();

  add(a: LoadedAction): this {
    const had = this.actions.get(a.name);
    if (had) throw new PluginError(`action plugin ${a.source} refused: an action named "${a.name}" is already registered (from ${had.source})`);
    this.actions.set(a.name, a);
    return this;
  }

  get(name: string): LoadedAction | undefined {
    return this.actions.get(name);
  }

  get names(): string[] {
    return [...this.actions.keys()];
  }

  list(): LoadedAction[] {
    return [...this.actions.values()];
  }
}
