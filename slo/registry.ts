// Every SLO Pilothouse knows: the specs in slo/specs/ plus those submitted through the API
// (table slo_specs). They compile together, so an API spec may use the repository's
// Services and DataSources, and a name can belong to one of them only.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Queryable } from '../db/pool.ts';
import { REPO_ROOT, SPEC_DIR } from './catalog.ts';
import { compileSpecs, type CompileResult } from './openslo/compile.ts';
import { SpecError } from './openslo/errors.ts';
import { listSpecFiles, parseYaml, readSpecFiles, type RawDoc } from './openslo/load.ts';
import type { SloDefinition } from './openslo/types.ts';
import { validationReport, type ValidationReport } from './openslo/report.ts';

export class SloNotFoundError extends Error {
  readonly statusCode = 404;
}
export class SloConflictError extends Error {
  readonly statusCode = 409;
}

export interface RegistryOptions {
  specDir?: string;
}

export class SloRegistry {
  private readonly db: Queryable;
  private readonly specDir: string;
  private fileDocs?: Promise<{ docs: RawDoc[]; problems: CompileResult['problems'] }>;

  constructor(db: Queryable, opts: RegistryOptions = {}) {
    this.db = db;
    this.specDir = opts.specDir ?? SPEC_DIR;
  }

  private files() {
    this.fileDocs ??= listSpecFiles(this.specDir).then((f) => readSpecFiles(f, (p) => relative(REPO_ROOT, p)));
    return this.fileDocs;
  }

  private async stored(): Promise<{ name: string; document: string }[]> {
    const { rows } = await this.db.query<{ name: string; document: string }>('SELECT name, document FROM slo_specs ORDER BY name');
    return rows;
  }

  private compile(fileDocs: RawDoc[], api: { name: string; document: string }[]): CompileResult {
    const docs = [...fileDocs];
    const problems: CompileResult['problems'] = [];
    for (const s of api) {
      const r = parseYaml(s.document, `api:${s.name}`);
      docs.push(...r.docs);
      problems.push(...r.problems);
    }
    const out = compileSpecs(docs, { runbookExists: (p) => existsSync(join(REPO_ROOT, p)) });
    for (const slo of out.slos) if (slo.origin.startsWith('api:')) slo.origin = 'api';
    return { ...out, problems: [...problems, ...out.problems] };
  }

  /** All SLOs that compile; problems of the others are returned beside them. */
  async all(): Promise<CompileResult> {
    const f = await this.files();
    const r = this.compile(f.docs, await this.stored());
    return { ...r, problems: [...f.problems, ...r.problems] };
  }

  /** One objective of an SLO (the first by default). */
  async get(name: string, objective = 0): Promise<SloDefinition> {
    const all = (await this.objectives(name));
    const slo = all.find((s) => s.objectiveIndex === objective);
    if (!slo) throw new SloNotFoundError(all.length ? `SLO ${name} has no objective ${objective} (it has ${all.length})` : `no SLO named ${name}`);
    return slo;
  }

  /** Every objective of an SLO, in spec order. */
  async objectives(name: string): Promise<SloDefinition[]> {
    const all = (await this.all()).slos.filter((s) => s.name === name);
    if (!all.length) throw new SloNotFoundError(`no SLO named ${name}`);
    return all;
  }

  /** The validation report of a YAML text read together with the shipped specs (nothing stored). */
  async validate(document: string): Promise<ValidationReport> {
    const parsed = parseYaml(document, 'submitted spec');
    const f = await this.files();
    const r = validationReport([...f.docs, ...parsed.docs], parsed.problems, { runbookExists: (p) => existsSync(join(REPO_ROOT, p)) });
    const mine = (p: { file: string }) => p.file === 'submitted spec';
    const names = new Set(r.documents.filter((d) => mine(d) && d.kind === 'SLO').map((d) => d.name));
    return { ...r, evaluated: r.evaluated.filter((e) => names.has(e.split(' ')[0]!)), errors: r.errors.filter(mine), warnings: r.warnings.filter(mine), notices: r.notices.filter(mine), documents: r.documents.filter(mine), valid: !r.errors.some(mine) };
  }

  /**
   * Validates a YAML submission (exactly one SLO, with any helper documents) against
   * everything else, then stores it. Nothing is stored when anything is wrong.
   */
  async submit(document: string, actor: string, replace: string | undefined): Promise<SloDefinition> {
    const parsed = parseYaml(document, 'submitted spec');
    if (parsed.problems.length) throw new SpecError(parsed.problems);
    const slos = parsed.docs.filter((d) => (d.value as { kind?: string } | null)?.kind === 'SLO');
    if (slos.length !== 1) {
      throw new SpecError([{ file: 'submitted spec', field: 'kind', message: `holds ${slos.length} SLO documents`, fix: 'submit exactly one SLO (with the Service, SLI or DataSource documents it needs, if they are not in slo/specs/)' }]);
    }
    const name = String((slos[0]!.value as { metadata?: { name?: unknown } }).metadata?.name ?? '');
    if (replace !== undefined && name !== replace) {
      throw new SpecError([{ file: 'submitted spec', kind: 'SLO', name, field: 'metadata.name', message: `is "${name}" but the URL names ${replace}`, fix: 'keep the name; to rename, delete the SLO and create it again' }]);
    }
    const f = await this.files();
    const fileSlo = f.docs.find((d) => (d.value as { kind?: string; metadata?: { name?: string } }).kind === 'SLO' && (d.value as { metadata?: { name?: string } }).metadata?.name === name);
    if (fileSlo) throw new SloConflictError(`SLO ${name} is defined in ${fileSlo.file}; change it there`);
    const others = (await this.stored()).filter((s) => s.name !== name);
    const compiled = this.compile([...f.docs, ...parsed.docs], others);
    const mine = compiled.problems.filter((p) => p.file === 'submitted spec');
    if (mine.length) throw new SpecError(mine);
    const slo = compiled.slos.find((s) => s.name === name);
    // Valid OpenSLO that Pilothouse cannot evaluate is not stored: nothing would read it.
    if (!slo) throw new SpecError(compiled.notices.filter((p) => p.file === 'submitted spec' && p.level === 'warning'));
    if (replace === undefined) {
      const { rowCount } = await this.db.query('INSERT INTO slo_specs (name, document, created_by) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [name, document, actor]);
      if (rowCount === 0) throw new SloConflictError(`an SLO named ${name} already exists; PUT /api/v1/slos/${name} replaces it`);
    } else {
      const { rowCount } = await this.db.query('UPDATE slo_specs SET document = $2, updated_at = now() WHERE name = $1', [name, document]);
      if (rowCount === 0) throw await this.missing(name);
    }
    return { ...slo, origin: 'api' };
  }

  private async missing(name: string): Promise<Error> {
    const f = await this.files();
    const r = compileSpecs(f.docs);
    const file = r.slos.find((s) => s.name === name);
    return file ? new SloConflictError(`SLO ${name} is defined in ${file.origin}; change it there`) : new SloNotFoundError(`no SLO named ${name}`);
  }

  async remove(name: string): Promise<void> {
    const { rowCount } = await this.db.query('DELETE FROM slo_specs WHERE name = $1', [name]);
    if (rowCount === 0) throw await this.missing(name);
  }
}
