// Reads OpenSLO YAML (one or many documents per file) keeping line numbers, so a problem
// can point at the line to change.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml';
import type { SpecProblem } from './errors.ts';

export interface RawDoc {
  file: string;
  value: unknown;
  /** the line of the node at `path`, or of its nearest existing parent */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Aliases a document may expand: a spec needs a handful; a "billion laughs" needs thousands. */
export const MAX_ALIAS_COUNT = 50;

export function parseYaml(text: string, file: string): { docs: RawDoc[]; problems: SpecProblem[] } {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const docs: RawDoc[] = [];
  const problems: SpecProblem[] = [];
  for (const d of Array.isArray(parsed) ? parsed : [parsed]) {
    const document = d as Document.Parsed;
    for (const e of document.errors) {
      problems.push({ file, line: lines.linePos(e.pos[0]).line, field: '(YAML)', message: e.message.split('\n')[0] ?? e.message, fix: 'correct the YAML syntax at that line' });
    }
    if (document.errors.length > 0 || document.contents === null) continue;
    const lineOf = (path: readonly (string | number)[]) => {
      for (let n = path.length; n >= 0; n--) {
        const node = document.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    };
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // An alias that names no anchor, or more alias expansions than a spec needs (an alias bomb).
      problems.push({ file, line: lines.linePos(document.range[0]).line, field: '(YAML)', message: (err as Error).message.split('\n')[0] ?? 'the document cannot be read', fix: `define each anchor before its aliases, and use at most ${MAX_ALIAS_COUNT} aliases` });
      continue;
    }
    // A YAML list of objects is several documents (the go-sdk and oslo write them so).
    if (Array.isArray(value)) value.forEach((item, i) => docs.push({ file, value: item, lineOf: (path) => lineOf([i, ...path]) }));
    else docs.push({ file, value, lineOf });
  }
  return { docs, problems };
}

/** The YAML files of a folder (not recursive), in name order. */
export async function listSpecFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(dir, n));
}

/** Files as given, folders expanded to their YAML files (recursively, in name order). */
export async function expandSpecPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (!(await stat(p)).isDirectory()) {
      out.push(p);
      continue;
    }
    const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.isDirectory()) out.push(...(await expandSpecPaths([join(p, e.name)])));
      else if (/\.ya?ml$/.test(e.name)) out.push(join(p, e.name));
    }
  }
  return out;
}

export async function readSpecFiles(files: readonly string[], shownAs: (f: string) => string = (f) => f): Promise<{ docs: RawDoc[]; problems: SpecProblem[] }> {
  const docs: RawDoc[] = [];
  const problems: SpecProblem[] = [];
  for (const f of files) {
    const r = parseYaml(await readFile(f, 'utf8'), shownAs(f));
    docs.push(...r.docs);
    problems.push(...r.problems);
  }
  return { docs, problems };
}
