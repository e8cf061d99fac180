// Kubernetes resource quantities (`500m`, `3Gi`, `1.5Gi`, `1e3`) as quotas and manifests
// write them. The client library's quantityToScalar is not exported and rejects decimals
// with binary suffixes, which real manifests use.
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

const QUANTITY = /^(\+?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** The largest quantity taken (8 Ei in bytes, far past any quota); above it, or not finite, a value is malformed. */
export const MAX_QUANTITY = 2 ** 63;

/** A non-negative quantity in base units (cores, bytes, counts), or undefined when malformed or past MAX_QUANTITY. */
export function parseQuantity(value: string | number): number | undefined {
  const inRange = (n: number) => (Number.isFinite(n) && n >= 0 && n <= MAX_QUANTITY ? n : undefined);
  if (typeof value === 'number') return inRange(value);
  const m = value.trim().match(QUANTITY);
  if (!m) return undefined;
  const base = Number(m[1]);
  return inRange(m[2] ? base * 10 ** Number(m[2].slice(1)) : base * SUFFIX[m[3] ?? '']!);
}

/** CPU the way the API server prints it: whole cores or millicores (`2`, `250m`). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes with the largest binary suffix that keeps a whole number (`3Gi`, `1536Mi`). */
export function formatBytes(bytes: number): string {
  const b = Math.round(bytes);
  for (const [s, f] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (b !== 0 && b % f === 0) return `${b / f}${s}`;
  }
  return String(b);
}
