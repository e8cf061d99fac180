// One HTTP health probe: a GET with a timeout; 2xx in time is a pass, anything else a
// failure with the reason an operator needs (status, timeout, connection refused).
export interface ProbeResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

export async function probe(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: { 'user-agent': 'pilothouse-health-check' } });
    await res.body?.cancel().catch(() => {});
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, latencyMs: latency(), error: ok ? null : `answered ${res.status}` };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { ok: false, status: null, latencyMs: latency(), error: timedOut ? `no answer within ${timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message ?? String(err) };
  }
}
