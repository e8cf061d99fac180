// The errors of cluster access that callers act on: a fenced write (this replica no longer
// leads) and a read the API server failed (after the client's retries).
import { reasonOf, statusOf } from './client.ts';

/** The action could not proceed because this replica no longer leads. */
export class FencedError extends Error {
  readonly fenced = true;
}

/** The API server failed or could not be reached (after the client's retries): a 502 saying so. */
export class KubeReadError extends Error {
  readonly statusCode = 502;
  readonly expose = true;
}

/** What went wrong talking to the API server, in words an operator can act on. */
export function describeKubeError(err: unknown, server: string): string {
  const status = statusOf(err);
  if (status === undefined) return `the Kubernetes API at ${server} could not be reached: ${(err as Error)?.message ?? String(err)}`;
  let detail = reasonOf(err) ?? '';
  try {
    const body = (err as { body?: unknown }).body;
    const message = (typeof body === 'string' ? JSON.parse(body) : body)?.message;
    if (typeof message === 'string') detail = message;
  } catch { /* a body that is not a Status */ }
  return `the Kubernetes API at ${server} answered ${status}${detail ? `: ${detail}` : ''}`;
}
