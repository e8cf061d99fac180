// The console reports its own web vitals, errors and traces to Pilothouse's Faro receiver, so
// the platform sees its users' experience. The SDK loads after the first paint (a separate
// chunk, kept out of the first-load JavaScript); web vitals are read from buffered
// performance entries, so nothing is missed by starting late. Tracing puts a traceparent on
// the console's own API calls, so a slow page leads to the server spans behind it.
let started = false;

export function startFaro(): void {
  if (started || typeof window === 'undefined') return;
  started = true;
  void (async () => {
    try {
      const res = await fetch('/api/v1/rum/console', { headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const { collectUrl, apiKey, app } = (await res.json()) as { collectUrl: string; apiKey: string; app: string };
      const [{ initializeFaro, getWebInstrumentations }, { TracingInstrumentation }] = await Promise.all([
        import('@grafana/faro-web-sdk'), import('@grafana/faro-web-tracing'),
      ]);
      initializeFaro({
        url: collectUrl,
        apiKey,
        app: { name: app, version: '0.1.0', environment: location.hostname === 'localhost' || location.hostname === '127.0.0.1' ? 'local' : 'production' },
        // Resource timings and console lines would flood the receiver; errors and vitals are what we read.
        instrumentations: [
          ...getWebInstrumentations({ captureConsole: false, enablePerformanceInstrumentation: false }),
          // Same-origin fetches carry the trace context by default; the collector is never traced.
          new TracingInstrumentation(),
        ],
        sessionTracking: { enabled: true },
      });
    } catch {
      // Telemetry must never break the console.
    }
  })();
}
