// An OTLP/HTTP request body → a decoded ExportTraceServiceRequest, or an error that says
// what is wrong with it (and becomes a 400, 413 or 415 before anything is stored).
import { createGunzip } from 'node:zlib';
import { Ajv, type ErrorObject } from 'ajv';
import { isUtf8 } from 'node:buffer';
import { jsonValueProblem } from '../../db/text.ts';
import { OtlpJsonTraceRequest } from './json-schema.ts';
import { decodeTraceRequest } from './proto.ts';

export type Encoding = 'json' | 'protobuf';

export class BodyError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** The encoding a Content-Type names, or undefined for one OTLP/HTTP does not speak. */
export function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return undefined;
}

/**
 * Undoes Content-Encoding, streaming: zlib inflates chunk by chunk on libuv's thread pool, so
 * the event loop goes on serving other requests meanwhile, and the output is counted as it
 * comes, so a small gzip that would expand past `maxBytes` is stopped there (413) instead of
 * being inflated whole first.
 */
export async function inflate(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip') throw new BodyError(415, `Content-Encoding "${enc}" is not supported: send gzip or an uncompressed body`);
  return new Promise<Buffer>((ok, fail) => {
    const gz = createGunzip({ chunkSize: 256 * 1024 });
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: BodyError | undefined) => {
      if (done) return;
      done = true;
      if (err) {
        gz.destroy();
        fail(err);
      } else ok(Buffer.concat(chunks, size));
    };
    gz.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(new BodyError(413, `the body inflates to more than ${maxBytes} bytes: send smaller batches`));
      else chunks.push(chunk);
    });
    gz.on('end', () => finish(undefined));
    gz.on('error', (err) => finish(new BodyError(400, `the body is not valid gzip (Content-Encoding: gzip): ${err.message}`)));
    gz.end(body);
  });
}

function describe(e: ErrorObject): string {
  const where = `body${e.instancePath.replaceAll('/', '.')}`;
  if (e.keyword === 'required') return `${where} is missing the required field "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'pattern' && /Id$/.test(e.instancePath)) return `${where} must be hex (OTLP/JSON writes ids as hex, not base64)`;
  return `${where} ${e.message ?? 'is not valid'}`;
}

const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: false });
const checkJson = ajv.compile(OtlpJsonTraceRequest as object);

export function decodeBody(body: Buffer, encoding: Encoding): object {
  if (encoding === 'protobuf') {
    try {
      return decodeTraceRequest(body) as object;
    } catch (err) {
      throw new BodyError(400, `the body is not a protobuf ExportTraceServiceRequest: ${(err as Error).message}`);
    }
  }
  if (!isUtf8(body)) throw new BodyError(400, 'the body is not valid UTF-8: send JSON encoded as UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BodyError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
  const why = jsonValueProblem(parsed);
  if (why) throw new BodyError(400, `the body ${why}`);
  return checkOtlpJson(parsed);
}

/** Checks an already parsed OTLP/JSON trace request (also what Faro's `traces` holds). */
export function checkOtlpJson(parsed: unknown, where = 'body'): object {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BodyError(400, `${where} must be a JSON object, an ExportTraceServiceRequest with "resourceSpans"`);
  }
  if (!checkJson(parsed)) {
    const first = checkJson.errors?.[0] as ErrorObject | undefined;
    throw new BodyError(400, first ? `not an OTLP/JSON trace request: ${describe(first).replace(/^body/, where)}` : 'not an OTLP/JSON trace request');
  }
  return parsed;
}
