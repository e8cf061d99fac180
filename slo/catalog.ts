// The SLO specs shipped in slo/specs/, read and compiled with runbook paths checked against
// the repository.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { compileSpecs, type CompileResult } from './openslo/compile.ts';
import { expandSpecPaths, listSpecFiles, readSpecFiles } from './openslo/load.ts';
import { validationReport, type ValidationReport } from './openslo/report.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const SPEC_DIR = join(REPO_ROOT, 'slo', 'specs');

/** Compiles YAML files together (references may cross files); names are shown relative to the repository. */
export async function compileFiles(files: readonly string[]): Promise<CompileResult> {
  const { docs, problems } = await readSpecFiles(files, (f) => relative(process.cwd(), resolve(f)) || f);
  const result = compileSpecs(docs, { runbookExists: (p) => existsSync(join(REPO_ROOT, p)) });
  return { ...result, problems: [...problems, ...result.problems] };
}

export async function compileSpecDir(dir = SPEC_DIR): Promise<CompileResult> {
  return compileFiles(await listSpecFiles(dir));
}

/** Validates files and folders (recursively) together, as `pilothouse slo validate` does. */
export async function validateFiles(paths: readonly string[]): Promise<ValidationReport> {
  const files = await expandSpecPaths(paths);
  if (files.length === 0) throw new Error(`no YAML files in ${paths.join(', ')}`);
  const { docs, problems } = await readSpecFiles(files, (f) => relative(process.cwd(), resolve(f)) || f);
  return validationReport(docs, problems, { runbookExists: (p) => existsSync(join(REPO_ROOT, p)) });
}
