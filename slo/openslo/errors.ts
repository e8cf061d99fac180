// A problem in a spec, naming the file (and line), the document, the field and the fix.

export interface SpecProblem {
  file: string;
  line?: number;
  kind?: string;
  name?: string;
  /** dotted path inside the document, such as spec.objectives[0].target */
  field: string;
  message: string;
  fix: string;
  /**
   * absent: an error (the document is not valid OpenSLO, or cannot be used as written);
   * "warning": valid OpenSLO that Pilothouse does not evaluate (said so, never silently);
   * "notice": accepted as written, with something the reader should know
   */
  level?: 'warning' | 'notice';
}

export function formatProblem(p: SpecProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  const what = p.kind ? ` ${p.kind}${p.name ? ` "${p.name}"` : ''}` : '';
  const level = p.level ? ` ${p.level}:` : '';
  return `${where}:${level}${what} ${p.field}: ${p.message}; ${p.level === 'notice' ? 'note' : 'fix'}: ${p.fix}`;
}

export class SpecError extends Error {
  readonly statusCode = 400;
  readonly problems: SpecProblem[];
  constructor(problems: SpecProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

/** ['spec', 'objectives', 0, 'target'] → "spec.objectives[0].target" */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) return `${acc}[${JSON.stringify(p)}]`;
    return acc ? `${acc}.${p}` : p;
  }, '') || '(document)';
}
