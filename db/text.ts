// What PostgreSQL text and jsonb can hold, as pure checks: no NUL (neither type stores it),
// no lone UTF-16 surrogate (it has no UTF-8 encoding), and JSON no deeper than any document
// needs (deeper, it overflows the stack of whatever walks it next: validator, serializer,
// driver). The HTTP layer applies them to every request (server/plugins/input-guard.ts);
// collectors apply them to decoded protobuf, which no JSON parser saw.

/** Deeper JSON than any API document needs; far below what would overflow a stack. */
export const MAX_JSON_DEPTH = 64;

const NUL = 'contains a NUL character (\\u0000), which cannot be stored: remove it';
const SURROGATE = 'contains a lone UTF-16 surrogate, which is not a character: send valid Unicode';

/** Why a string cannot be stored (a NUL, a lone surrogate), or undefined. Native checks only: fast on megabytes. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\0')) return NUL;
  if (!s.isWellFormed()) return SURROGATE;
  return undefined;
}

/**
 * Why a parsed JSON value cannot be taken: nesting deeper than `maxDepth`, or a string (key
 * or value) that cannot be stored. Walks with a stack of its own, so the check itself cannot
 * overflow on the input it exists to refuse (V8's JSON.parse does not recurse either).
 */
export function jsonValueProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const why = textProblem(v);
      if (why) return why;
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= maxDepth) return `is nested more than ${maxDepth} levels deep: flatten it`;
      if (Array.isArray(v)) {
        for (const x of v) stack.push([x, depth + 1]);
      } else {
        for (const [k, x] of Object.entries(v)) {
          const why = textProblem(k);
          if (why) return `has a key that ${why}`;
          stack.push([x, depth + 1]);
        }
      }
    }
  }
  return undefined;
}
