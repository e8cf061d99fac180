// Label matchers as Alertmanager writes them: `name="value"`, `name!="value"`,
// `name=~"regex"`, `name!~"regex"` (regexes anchored at both ends). Alert filters, silences,
// notification routes and remediation policies all match alerts with this one rule.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export class MatcherError extends Error {
  readonly statusCode = 400;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_./-]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s",]*))\s*$/;
const MAX_LENGTH = 1_000;

/** Parses one matcher; a clear error names what is wrong. */
export function parseMatcher(text: string): Matcher {
  if (text.length > MAX_LENGTH) throw new MatcherError(`matcher longer than ${MAX_LENGTH} characters`);
  const m = MATCHER.exec(text);
  if (!m) throw new MatcherError(`bad matcher ${JSON.stringify(text)}: write name="value", name!="value", name=~"regex" or name!~"regex"`);
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4]!;
  const matcher = { name: m[1]!, op: m[2] as MatchOp, value };
  if (matcher.op === '=~' || matcher.op === '!~') compile(matcher);
  return matcher;
}

/** `{a="b", c=~"d"}` or a comma-separated list, as Alertmanager's filter parameter. */
export function parseMatchers(text: string): Matcher[] {
  const inner = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  if (!inner.trim()) return [];
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && quoted) { cur += ch + (inner[++i] ?? ''); continue; }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) { parts.push(cur); cur = ''; continue; }
    cur += ch;
  }
  parts.push(cur);
  return parts.filter((p) => p.trim()).map(parseMatcher);
}

const compiled = new Map<string, RegExp>();
function compile(m: Matcher): RegExp {
  let re = compiled.get(m.value);
  if (!re) {
    try {
      re = new RegExp(`^(?:${m.value})$`, 'u');
    } catch (err) {
      throw new MatcherError(`bad regex in matcher ${m.name}${m.op}"${m.value}": ${(err as Error).message}`);
    }
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(m.value, re);
  }
  return re;
}

/** A missing label matches as the empty string, as in Alertmanager. */
export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return compile(m).test(v);
    case '!~': return !compile(m).test(v);
  }
}

export const matchesAll = (ms: readonly Matcher[], labels: Record<string, string>) => ms.every((m) => matches(m, labels));

export const formatMatcher = (m: Matcher) => `${m.name}${m.op}${JSON.stringify(m.value)}`;
