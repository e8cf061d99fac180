// `pilothouse slo validate` and POST /api/v1/slos/validate: OpenSLO documents in, a report
// out: every problem (file, line, field, fix), warnings for valid SLOs Pilothouse does not
// evaluate, notices, and what was read. Valid means no errors, as `oslo validate` decides.
import { compileSpecs, type CompileOptions, type DocumentSummary } from './compile.ts';
import { formatProblem, type SpecProblem } from './errors.ts';
import type { RawDoc } from './load.ts';

export interface ValidationReport {
  valid: boolean;
  errors: SpecProblem[];
  warnings: SpecProblem[];
  notices: SpecProblem[];
  documents: DocumentSummary[];
  /** SLO objectives Pilothouse will evaluate, as "name" or "name objective i" */
  evaluated: string[];
}

export function validationReport(docs: readonly RawDoc[], readProblems: readonly SpecProblem[], opts: CompileOptions = {}): ValidationReport {
  const r = compileSpecs(docs, opts);
  const errors = [...readProblems, ...r.problems];
  return {
    valid: errors.length === 0,
    errors,
    warnings: r.notices.filter((n) => n.level === 'warning'),
    notices: r.notices.filter((n) => n.level === 'notice'),
    documents: r.documents,
    evaluated: r.slos.map((s) => (s.objectiveCount > 1 ? `${s.name} objective ${s.objectiveIndex}` : s.name)),
  };
}

/** The report as lines for a terminal: problems first, then a summary. */
export function formatReport(r: ValidationReport): string {
  const lines = [...r.errors, ...r.warnings, ...r.notices].map(formatProblem);
  const kinds = new Map<string, number>();
  for (const d of r.documents) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
  const read = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'no valid documents';
  lines.push(`${r.valid ? 'valid' : 'INVALID'}: ${r.errors.length} error(s), ${r.warnings.length} warning(s); read ${read}; Pilothouse evaluates ${r.evaluated.length} SLO objective(s)`);
  for (const d of r.documents.filter((x) => x.kind === 'AlertNotificationTarget')) lines.push(`notification target ${d.name}: ${d.target} (${d.file}${d.line ? `:${d.line}` : ''})`);
  return `${lines.join('\n')}\n`;
}
