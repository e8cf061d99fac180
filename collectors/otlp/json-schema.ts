// OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions: trace and span ids are hex,
// enums are integers, 64-bit integers may be strings). One TypeBox definition checks a
// body's shape before anything is read from it; unknown fields are ignored, as the OTLP
// specification requires of receivers.
import { Type, type Static } from 'typebox';

/** Hex bytes of any length: a wrong length is the span's problem, not a decoding failure. */
const HexBytes = Type.String({ pattern: '^([0-9a-fA-F]{2})*$', description: 'bytes as lowercase or uppercase hex' });
const Uint64 = Type.Union([Type.String({ pattern: '^[0-9]{1,20}$' }), Type.Integer({ minimum: 0 })], { description: 'unsigned 64-bit integer, as a decimal string or number' });
const Int64 = Type.Union([Type.String({ pattern: '^-?[0-9]{1,19}$' }), Type.Integer()], { description: 'signed 64-bit integer, as a decimal string or number' });
const Uint32 = Type.Integer({ minimum: 0, maximum: 4294967295 });
const Double = Type.Union([Type.Number(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')]);

// AnyValue and KeyValue nest into each other; they are defined once and referenced.
const AnyValue = Type.Object({
  stringValue: Type.Optional(Type.String()),
  boolValue: Type.Optional(Type.Boolean()),
  intValue: Type.Optional(Int64),
  doubleValue: Type.Optional(Double),
  arrayValue: Type.Optional(Type.Object({ values: Type.Optional(Type.Array(Type.Ref('AnyValue'))) })),
  kvlistValue: Type.Optional(Type.Object({ values: Type.Optional(Type.Array(Type.Ref('KeyValue'))) })),
  bytesValue: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/_-]*={0,2}$', description: 'base64' })),
});
const KeyValue = Type.Object({ key: Type.String(), value: Type.Optional(Type.Ref('AnyValue')) });

const Attributes = Type.Optional(Type.Array(Type.Ref('KeyValue')));

const Scope = Type.Object({
  name: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  attributes: Attributes,
  droppedAttributesCount: Type.Optional(Uint32),
});

const Span = Type.Object({
  traceId: HexBytes,
  spanId: HexBytes,
  traceState: Type.Optional(Type.String()),
  parentSpanId: Type.Optional(HexBytes),
  flags: Type.Optional(Uint32),
  name: Type.Optional(Type.String()),
  kind: Type.Optional(Type.Integer()),
  startTimeUnixNano: Uint64,
  endTimeUnixNano: Uint64,
  attributes: Attributes,
  droppedAttributesCount: Type.Optional(Uint32),
  events: Type.Optional(Type.Array(Type.Object({
    timeUnixNano: Type.Optional(Uint64),
    name: Type.Optional(Type.String()),
    attributes: Attributes,
    droppedAttributesCount: Type.Optional(Uint32),
  }))),
  droppedEventsCount: Type.Optional(Uint32),
  links: Type.Optional(Type.Array(Type.Object({
    traceId: HexBytes,
    spanId: HexBytes,
    traceState: Type.Optional(Type.String()),
    attributes: Attributes,
    droppedAttributesCount: Type.Optional(Uint32),
    flags: Type.Optional(Uint32),
  }))),
  droppedLinksCount: Type.Optional(Uint32),
  status: Type.Optional(Type.Object({ message: Type.Optional(Type.String()), code: Type.Optional(Type.Integer()) })),
});

const Spans = Type.Optional(Type.Array(Span));

const Request = Type.Object({
  // Required, though protobuf would allow an empty request: a JSON body without it is not a
  // trace export at all (most likely something sent to the wrong URL).
  resourceSpans: Type.Array(Type.Object({
    resource: Type.Optional(Type.Object({ attributes: Attributes, droppedAttributesCount: Type.Optional(Uint32) })),
    scopeSpans: Type.Optional(Type.Array(Type.Object({ scope: Type.Optional(Scope), spans: Spans, schemaUrl: Type.Optional(Type.String()) }))),
    // senders from before OTLP 0.15 (still in the wild)
    instrumentationLibrarySpans: Type.Optional(Type.Array(Type.Object({ instrumentationLibrary: Type.Optional(Scope), spans: Spans, schemaUrl: Type.Optional(Type.String()) }))),
    schemaUrl: Type.Optional(Type.String()),
  })),
}, { description: 'OTLP ExportTraceServiceRequest in the OTLP/JSON encoding' });

export const OtlpJsonTraceRequest = Type.Cyclic({ AnyValue, KeyValue, ExportTraceServiceRequest: Request }, 'ExportTraceServiceRequest');

export type OtlpJsonTraceRequestT = Static<typeof OtlpJsonTraceRequest>;
