// An OTLP/HTTP request body → a decoded ExportTraceServiceRequest, or an error that says
// what is wrong with it (and becomes a 400, 413 or 415 before anything is stored).
import { gunzipSync } from 'node:zlib';
import { Ajv, type ErrorObject } from 'ajv';
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

/** Undoes Content-Encoding, refusing to inflate past `maxBytes` (a small gzip can expand a lot). */
export function inflate(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip') throw new BodyError(415, `Content-Encoding "${enc}" is not supported: send gzip or an uncompressed body`);
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `the body inflates to more than ${maxBytes} bytes: send smaller batches`);
    }
    throw new BodyError(400, `the body is not valid gzip (Content-Encoding: gzip): ${(err as Error).message}`);
  }
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BodyError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
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
