// Policy parameters that name the alert: `{{ labels.namespace }}`, `{{ annotations.x }}`.
// A whole-string placeholder keeps the label's text; numbers stay numbers.

const PLACEHOLDER = /\{\{\s*(labels|annotations)\.([A-Za-z_][A-Za-z0-9_./-]*)\s*\}\}/g;

export function renderParams(params: Record<string, unknown>, alert: { labels: Record<string, string>; annotations: Record<string, string> }): Record<string, unknown> {
  const render = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(PLACEHOLDER, (_m, where: 'labels' | 'annotations', key: string) => alert[where][key] ?? '');
    if (Array.isArray(v)) return v.map(render);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
    return v;
  };
  const out = render(params) as Record<string, unknown>;
  // An empty string (a label the alert lacks) is left out, so the schema says what is missing.
  for (const [k, v] of Object.entries(out)) if (v === '') delete out[k];
  return out;
}
