// Request validation: strict for bodies (wrong types and unknown fields are errors, never
// coerced or silently dropped), coercing for query strings, params and headers (which
// arrive as text). Error messages name the field and what it must be.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

export function describeError(part: string, e: ErrorObject): string {
  const where = `${part}${e.instancePath.replaceAll('/', '.')}`;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${where} has an unknown field "${(e.params as { additionalProperty: string }).additionalProperty}": remove it`;
    case 'required':
      return `${where} is missing the required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${where} ${e.message ?? 'is not valid'}`;
  }
}

export function installValidation(app: FastifyInstance): void {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(schema as object) as ValidateFunction;
  });
  app.setSchemaErrorFormatter((errors, dataVar) => {
    const first = errors[0] as ErrorObject | undefined;
    return new Error(first ? describeError(dataVar, first) : `${dataVar} is not valid`);
  });
}

export type { FastifySchema };
