// The one place that refuses text no route can store: every URL (path and query) and every
// JSON body, whichever route or plugin reads it. Invalid UTF-8 would be stored silently as
// U+FFFD; NUL, lone surrogates and JSON nested thousands deep fail later, deep in a driver
// or a validator, as a 500 (the rules are in db/text.ts). Each is a 400 naming what to fix,
// before any handler runs.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonValueProblem, textProblem } from '../../db/text.ts';

export class BadInput extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** A JSON body's bytes → its value, or a BadInput (400) saying what is wrong with it. */
export function parseJsonBody(body: Buffer | string, where = 'the body'): unknown {
  if (typeof body !== 'string' && !isUtf8(body)) throw new BadInput(`${where} is not valid UTF-8: send JSON encoded as UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new BadInput(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  const why = jsonValueProblem(value);
  if (why) throw new BadInput(`${where} ${why}`);
  return value;
}

/** Why the URL cannot be taken (percent-encoding that is not UTF-8, NUL, a lone surrogate), or undefined. */
export function urlProblem(url: string): string | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const parts = [path, ...(q < 0 ? [] : url.slice(q + 1).split('&').flatMap((kv) => kv.split('=')))];
  for (const part of parts) {
    if (!part.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(part.replaceAll('+', ' '));
    } catch {
      return `the URL has a percent-encoding that is not UTF-8 ("${part.slice(0, 60)}"): encode text as UTF-8`;
    }
    const why = textProblem(decoded);
    if (why) return `the URL ${why}`;
  }
  return undefined;
}

type Done = (err: Error | null, body?: unknown) => void;
type StringParser = (req: FastifyRequest, body: string, done: Done) => void;

/** fastify's JSON parser (its prototype-poisoning checks included) behind the checks above. */
export function guardJsonParser(json: StringParser) {
  return (req: FastifyRequest, body: Buffer | string, done: Done) => {
    if (body.length === 0) return done(new BadInput('the body is empty: send a JSON document'));
    if (typeof body !== 'string' && !isUtf8(body)) return done(new BadInput('the body is not valid UTF-8: send JSON encoded as UTF-8'));
    json(req, typeof body === 'string' ? body : body.toString('utf8'), (err, value) => {
      if (err) return done(err);
      const why = jsonValueProblem(value);
      return why ? done(new BadInput(`the body ${why}`)) : done(null, value);
    });
  };
}

export function installInputGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const why = urlProblem(req.url);
    if (why) throw new BadInput(why);
  });
  // JSON bodies of every route that keeps the default parsers; plugins with parsers of their
  // own (OTLP, Faro, usage) call parseJsonBody or guardJsonParser themselves.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, guardJsonParser(json));
}
