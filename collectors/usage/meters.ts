// Meters are rows, not code: name, unit, aggregation and the dimensions usage may be grouped
// by. Read through a short cache because every ingested batch needs them.
import type { Queryable } from '../../db/pool.ts';
import { ConflictError, isUniqueViolation } from '../../tenancy/errors.ts';

export const AGGREGATIONS = ['sum', 'count', 'max', 'unique_count', 'latest'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface Meter {
  name: string;
  unit: string;
  aggregation: Aggregation;
  dimensions: string[];
  uniqueBy: string | null;
  description: string;
  builtin: boolean;
  /** its events show an agent at work in their subject workspace (the idle reaper reads that) */
  marksActivity: boolean;
}

const CACHE_MS = 5_000;
let cached: { at: number; db: Queryable; meters: Map<string, Meter> } | undefined;

function toMeter(r: Record<string, any>): Meter {
  return {
    name: r.name, unit: r.unit, aggregation: r.aggregation, dimensions: r.dimensions, uniqueBy: r.unique_by,
    description: r.description, builtin: r.builtin, marksActivity: r.marks_activity,
  };
}

export async function listMeters(db: Queryable): Promise<Meter[]> {
  const { rows } = await db.query('SELECT * FROM meters ORDER BY name');
  return rows.map(toMeter);
}

/** Meters by name, at most a few seconds stale (a new meter is usable after that). */
export async function meterMap(db: Queryable): Promise<Map<string, Meter>> {
  if (cached && cached.db === db && Date.now() - cached.at < CACHE_MS) return cached.meters;
  const meters = new Map((await listMeters(db)).map((m) => [m.name, m]));
  cached = { at: Date.now(), db, meters };
  return meters;
}

export interface NewMeter {
  name: string;
  unit: string;
  aggregation: Aggregation;
  dimensions?: string[];
  uniqueBy?: string;
  description?: string;
  marksActivity?: boolean;
}

export async function createMeter(db: Queryable, m: NewMeter): Promise<Meter> {
  try {
    const { rows } = await db.query(
      `INSERT INTO meters (name, unit, aggregation, dimensions, unique_by, description, marks_activity) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [m.name, m.unit, m.aggregation, m.dimensions ?? [], m.uniqueBy ?? null, m.description ?? '', m.marksActivity ?? false],
    );
    cached = undefined;
    return toMeter(rows[0]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`meter ${m.name} already exists; meters are never redefined, create one with a new name`);
    throw err;
  }
}

/**
 * compute.seconds for a running sandbox: CPU request × running seconds × resource factor.
 * Senders compute it with this so every producer rates compute the same way.
 */
export function computeSeconds(cpuRequest: number, runningSeconds: number, resourceFactor: number): number {
  return cpuRequest * runningSeconds * resourceFactor;
}
