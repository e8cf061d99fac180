// `pilothouse start` as a real child process, for tests of the command itself.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../server/cli.ts');

export interface RunningProcess {
  /** the URL from the "ready at" line */
  base: string;
  /** everything it printed so far, stdout and stderr */
  output(): string;
  /** sends `signal` and resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  pid: number;
  /** true once the process has exited */
  exited(): boolean;
}

export async function startPilothouse(env: NodeJS.ProcessEnv, readyWithinMs = 30_000): Promise<RunningProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null) child.kill(signal);
    return exited;
  };
  try {
    const base = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no ready line within ${readyWithinMs} ms in: ${out}`)), readyWithinMs);
      const check = () => {
        const m = /ready at (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          ok(m[1]);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          fail(new Error(`exited with ${child.exitCode} before it was ready: ${out}`));
        } else setTimeout(check, 50);
      };
      check();
    });
    return { base, output: () => out, stop, pid: child.pid!, exited: () => child.exitCode !== null || child.signalCode !== null };
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
}

/**
 * The environment of a `pilothouse start` that exports its own traces to its own receiver
 * (no OTLP endpoint inherited), on a free port, against `databaseUrl`, with or without the demo.
 */
export function selfTracingEnv(databaseUrl: string, demo: 'on' | 'off'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn', PILOTHOUSE_DEMO: demo,
    PILOTHOUSE_SELF_TRACING: 'true', OTEL_BSP_SCHEDULE_DELAY: '100',
    // Tests follow particular requests into their traces: keep every one.
    PILOTHOUSE_TRACE_SAMPLE_RATIO: '1',
  };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return env;
}
