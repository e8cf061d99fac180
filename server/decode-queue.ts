// Inflating and decoding a large body is heavy: parsing (JSON.parse, protobuf) holds the event
// loop, and inflating, although streamed on the thread pool (collectors/otlp/decode.ts),
// takes a core from it on a small machine. Here bodies are inflated and decoded one at a
// time, each after a turn of the loop, so that between and during them the server answers
// whatever else arrived (/healthz, the API); what is decoded is bounded by the routes'
// inflated-size limits. Waiting in this queue costs nothing but the request's own time.
import { setImmediate as nextTurn } from 'node:timers/promises';

let tail: Promise<unknown> = Promise.resolve();

export function decodeBounded<T>(work: () => T | Promise<T>): Promise<T> {
  const run = tail.then(() => nextTurn()).then(work);
  tail = run.catch(() => undefined);
  return run;
}
