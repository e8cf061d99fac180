// Price catalogue versions in PostgreSQL: added, never changed. A version may not take
// effect inside a closed period, so closed months keep the prices they were billed at.
import { readFile } from 'node:fs/promises';
import { Compile } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import type { Queryable } from '../../db/pool.ts';
import { ConflictError, InvalidError, isUniqueViolation } from '../../tenancy/errors.ts';
import { PriceCatalog, catalogAt, catalogProblems, type PriceCatalogT, type RatesT } from './catalog.ts';

const checker = Compile(PriceCatalog);

export function parseCatalog(doc: unknown): PriceCatalogT {
  if (!checker.Check(doc)) {
    const e = [...checker.Errors(doc)][0];
    throw new InvalidError(`price catalogue is not valid: ${e ? `${e.instancePath || 'document'} ${e.message}` : 'unknown problem'}`);
  }
  const problems = catalogProblems(doc);
  if (problems.length) throw new InvalidError(`price catalogue is not valid: ${problems.join('; ')}`);
  return doc;
}

export interface StoredCatalog {
  id: string;
  version: string;
  effectiveFrom: Date;
  createdAt: Date;
  createdBy: string | null;
  document: PriceCatalogT;
}

const toStored = (r: Record<string, any>): StoredCatalog => ({
  id: r.id, version: r.version, effectiveFrom: r.effective_from, createdAt: r.created_at, createdBy: r.created_by, document: r.document,
});

export async function listCatalogs(db: Queryable): Promise<StoredCatalog[]> {
  const { rows } = await db.query('SELECT * FROM price_catalogs ORDER BY effective_from');
  return rows.map(toStored);
}

/** The infrastructure rates of the catalogue in force at `at`, if it has any. */
export async function ratesAt(db: Queryable, at: Date): Promise<RatesT | undefined> {
  const catalogs = await listCatalogs(db);
  return catalogAt(catalogs.map((c) => ({ ...c.document, effectiveFrom: c.effectiveFrom.toISOString() })), at)?.rates;
}

export async function addCatalog(db: Queryable, raw: unknown, actor: string | null): Promise<StoredCatalog> {
  const doc = parseCatalog(raw);
  const { rows: closed } = await db.query<{ until: Date | null }>(
    'SELECT usage_closed_until() AS until',
  );
  const until = closed[0]?.until;
  if (until && Date.parse(doc.effectiveFrom) < until.getTime()) {
    throw new ConflictError(`effectiveFrom ${doc.effectiveFrom} falls in a closed billing period: closed periods keep their prices; choose ${until.toISOString()} or later`);
  }
  try {
    const { rows } = await db.query(
      'INSERT INTO price_catalogs (version, effective_from, document, created_by) VALUES ($1, $2, $3, $4) RETURNING *',
      [doc.version, doc.effectiveFrom, doc, actor],
    );
    return toStored(rows[0]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`a catalogue with version "${doc.version}" or effective from ${doc.effectiveFrom} already exists: versions are immutable, add a new one`);
    throw err;
  }
}

// jsonb does not keep key order, so documents are compared with sorted keys.
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Loads a YAML or JSON catalogue file; adds it unless the same version is already stored. */
export async function loadCatalogFile(db: Queryable, path: string): Promise<{ added: boolean; version: string }> {
  const doc = parseCatalog(parseYaml(await readFile(path, 'utf8'), { maxAliasCount: 50 }));
  const { rows } = await db.query('SELECT document FROM price_catalogs WHERE version = $1', [doc.version]);
  if (rows[0]) {
    if (canonical(rows[0].document) !== canonical(doc)) {
      throw new ConflictError(`${path}: version "${doc.version}" is already stored with other prices; give the changed catalogue a new version`);
    }
    return { added: false, version: doc.version };
  }
  await addCatalog(db, doc, `file:${path}`);
  return { added: true, version: doc.version };
}

/** The infrastructure rates in force as numbers (USD per vCPU-hour and GiB-hour), for controllers' estimates. */
export async function infraRatesAt(db: Queryable, at: Date): Promise<{ cpuHour: { onDemand: number; spot: number }; gbHour: { onDemand: number; spot: number } } | null> {
  const r = await ratesAt(db, at);
  if (!r) return null;
  return {
    cpuHour: { onDemand: Number(r.cpuHour.onDemand), spot: Number(r.cpuHour.spot) },
    gbHour: { onDemand: Number(r.gbHour.onDemand), spot: Number(r.gbHour.spot) },
  };
}
