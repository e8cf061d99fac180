// Rule and test files as YAML, with PromQL in block scalars so they read like hand-written ones.
import { stringify } from 'yaml';

export function toYaml(value: unknown, header?: string): string {
  const body = stringify(value, { lineWidth: 0, blockQuote: 'literal' });
  return header ? `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}` : body;
}
