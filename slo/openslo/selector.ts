// Prometheus series selectors (`name{label="v", code=~"5.."}`): parsed to add matchers such
// as `le`, and printed back. Only selectors: the engine wraps them in rate()/increase().

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}
export interface Selector {
  name: string;
  matchers: Matcher[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses a selector; throws an Error saying what is wrong at which character. */
export function parseSelector(text: string): Selector {
  let s = text.trim();
  const at = () => text.trim().length - s.length;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${at() + 1} of ${JSON.stringify(text.trim())}`);
  };
  const name = NAME.exec(s)?.[0] ?? '';
  s = s.slice(name.length).trimStart();
  const matchers: Matcher[] = [];
  if (s.startsWith('{')) {
    s = s.slice(1).trimStart();
    while (!s.startsWith('}')) {
      const label = LABEL.exec(s)?.[0] ?? fail('expected a label name');
      s = s.slice(label.length).trimStart();
      const op = (['=~', '!~', '!=', '='] as const).find((o) => s.startsWith(o)) ?? fail('expected =, !=, =~ or !~');
      s = s.slice(op.length).trimStart();
      const quote = s[0];
      if (quote !== '"' && quote !== "'") fail('expected a quoted label value');
      let i = 1;
      let value = '';
      for (; i < s.length && s[i] !== quote; i++) {
        if (s[i] === '\\' && i + 1 < s.length) {
          i++;
          value += s[i] === 'n' ? '\n' : s[i];
        } else value += s[i];
      }
      if (i >= s.length) fail('unterminated label value');
      s = s.slice(i + 1).trimStart();
      matchers.push({ label, op, value });
      if (s.startsWith(',')) s = s.slice(1).trimStart();
      else if (!s.startsWith('}')) fail('expected "," or "}"');
    }
    s = s.slice(1).trimStart();
  }
  if (s.length > 0) fail('expected the end of a series selector (functions and ranges are added by Pilothouse)');
  if (!name && !matchers.some((m) => m.op === '=' && m.label === '__name__')) fail('expected a metric name');
  return { name, matchers };
}

export function formatSelector(sel: Selector): string {
  const body = sel.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(', ');
  return body ? `${sel.name}{${body}}` : sel.name;
}

/** The selector with one more matcher (replacing any matcher on the same label). */
export function withMatcher(text: string, m: Matcher): string {
  const sel = parseSelector(text);
  return formatSelector({ name: sel.name, matchers: [...sel.matchers.filter((x) => x.label !== m.label), m] });
}

/**
 * The `le` matcher for a histogram bound. Prometheus 3 prints integral bounds as "30.0"
 * where client libraries and Prometheus 2 wrote "30", so integral bounds match both.
 */
export function leMatcher(bound: number): Matcher {
  if (bound === Number.POSITIVE_INFINITY) return { label: 'le', op: '=', value: '+Inf' };
  const text = String(bound);
  return Number.isInteger(bound) ? { label: 'le', op: '=~', value: `${text}|${text}\\.0` } : { label: 'le', op: '=', value: text };
}
