// The CloudEvents 1.0 envelope as usage senders use it (JSON event format). One TypeBox
// definition checks each event of a batch, documents the API and types the code.
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

export const SINGLE = 'application/cloudevents+json';
export const BATCH = 'application/cloudevents-batch+json';
export const MAX_BATCH_EVENTS = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const UsageData = Type.Object({
  quantity: Type.Number({ description: 'the amount, in the meter\'s unit; negative only to correct a sum meter' }),
}, {
  additionalProperties: Scalar,
  description: 'quantity, and the dimensions of the usage (model, kind, region …) as flat string, number or boolean fields',
});

export const CloudEvent = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String({ minLength: 1, maxLength: 200, description: 'unique per source: a replay with the same source and id is absorbed' }),
  source: Type.String({ minLength: 1, maxLength: 500, description: 'URI-reference naming the sender' }),
  type: Type.String({ minLength: 1, maxLength: 100, description: 'the meter, such as llm.tokens' }),
  time: Type.Optional(Type.String({ format: 'date-time', description: 'when the usage happened; default: when received' })),
  subject: Type.Optional(Type.String({ maxLength: 200, description: 'a workspace id of this tenant' })),
  datacontenttype: Type.Optional(Type.String({ pattern: '^application/([a-z.+-]+\\+)?json(;.*)?$' })),
  dataschema: Type.Optional(Type.String({ maxLength: 500 })),
  data: UsageData,
}, {
  // CloudEvents extension attributes: lowercase letters and digits, scalar values.
  additionalProperties: Scalar,
  description: 'a CloudEvents 1.0 event in the JSON format',
});
export type CloudEventT = Static<typeof CloudEvent>;

const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
// The checker leaves `time` to isRfc3339 below: the generic date-time format check took
// about a quarter of the validation time of a batch, and the same rule (RFC 3339 with an
// offset or Z, real calendar days, hours, minutes, seconds) fits in one regex and a few
// comparisons. The schema above still documents the format.
const checker = Compile(Type.Object({ ...CloudEvent.properties, time: Type.Optional(Type.String()) }, { additionalProperties: Scalar }));

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/i;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An RFC 3339 timestamp with an offset (or Z) naming a real instant; no leap second. */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const year = +m[1]!, month = +m[2]!, day = +m[3]!;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS[month]!)) return false;
  if (+m[4]! > 23 || +m[5]! > 59 || +m[6]! > 59) return false;
  return m[7] === undefined || (+m[7] <= 23 && +m[8]! <= 59);
}

/** Why `raw` is not a well-formed usage CloudEvent, or undefined when it is. */
export function envelopeProblem(raw: unknown): { reason: 'malformed' | 'invalid_quantity'; message: string } | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { reason: 'malformed', message: 'an event must be a JSON object' };
  const ev = raw as Record<string, unknown>;
  for (const key of Object.keys(ev)) {
    if (!(key in CloudEvent.properties) && !EXTENSION_NAME.test(key)) {
      return { reason: 'malformed', message: `unknown attribute "${key}": CloudEvents extension names are 1-20 lowercase letters or digits` };
    }
  }
  if ('data_base64' in ev) return { reason: 'malformed', message: 'data_base64 is not accepted: send data as a JSON object' };
  const data = ev.data;
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const q = (data as Record<string, unknown>).quantity;
    if (q === undefined) return { reason: 'invalid_quantity', message: 'data.quantity is missing: give the amount used as a number' };
    if (typeof q !== 'number') return { reason: 'invalid_quantity', message: `data.quantity must be a number, not ${JSON.stringify(q)}` };
  }
  if (checker.Check(raw)) {
    if (ev.time !== undefined && !isRfc3339(ev.time as string)) return { reason: 'malformed', message: 'time must be an RFC 3339 timestamp such as 2026-11-28T10:00:00Z' };
    return undefined;
  }
  const err = [...checker.Errors(raw)].find((e) => e.keyword !== 'anyOf') ?? [...checker.Errors(raw)][0];
  if (!err) return { reason: 'malformed', message: 'the event is not a valid CloudEvent' };
  const where = err.instancePath ? err.instancePath.slice(1).replaceAll('/', '.') : 'the event';
  if (err.keyword === 'required') {
    const missing = (err.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    return { reason: 'malformed', message: `${where} is missing ${missing.map((m) => `"${m}"`).join(', ')}` };
  }
  if (err.instancePath === '/specversion') return { reason: 'malformed', message: 'specversion must be "1.0"' };
  if (err.instancePath.startsWith('/data/') || err.instancePath.split('/').length === 2 && !(err.instancePath.slice(1) in CloudEvent.properties)) {
    return { reason: 'malformed', message: `${where} must be a string, number or boolean` };
  }
  return { reason: 'malformed', message: `${where} ${err.message}` };
}

/** CloudEvents HTTP binary mode: attributes in ce-* headers, the body is the data. */
export function fromBinaryMode(headers: Record<string, string | string[] | undefined>, body: unknown): Record<string, unknown> {
  const ev: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || typeof value !== 'string') continue;
    // Header values are percent-encoded where needed (CloudEvents HTTP binding 3.1.3.2).
    let v: string;
    try {
      v = decodeURIComponent(value);
    } catch {
      v = value;
    }
    ev[name.slice(3)] = v;
  }
  ev.data = body;
  return ev;
}
