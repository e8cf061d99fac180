// The Faro wire format: one JSON body per batch, as @grafana/faro-web-sdk's transports send
// it and Grafana Alloy's faro.receiver reads it. Unknown fields are ignored, as there.
import { Type, type Static } from 'typebox';

const Text = Type.String({ maxLength: 65536 });
const StringMap = Type.Record(Type.String(), Type.Unknown());
const Timestamp = Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601' }));
const TraceContext = Type.Optional(Type.Object({ trace_id: Type.Optional(Type.String()), span_id: Type.Optional(Type.String()) }));

export const FaroPayload = Type.Object({
  meta: Type.Object({
    sdk: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), version: Type.Optional(Type.String()) })),
    app: Type.Optional(Type.Object({
      name: Type.Optional(Type.String()), namespace: Type.Optional(Type.String()), release: Type.Optional(Type.String()),
      version: Type.Optional(Type.String()), environment: Type.Optional(Type.String()),
    })),
    user: Type.Optional(Type.Object({ id: Type.Optional(Type.String()) })),
    session: Type.Optional(Type.Object({ id: Type.Optional(Type.String({ maxLength: 200 })), attributes: Type.Optional(StringMap) })),
    page: Type.Optional(Type.Object({ id: Type.Optional(Type.String()), url: Type.Optional(Type.String({ maxLength: 4096 })), attributes: Type.Optional(StringMap) })),
    browser: Type.Optional(StringMap),
    view: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) })),
  }),
  logs: Type.Optional(Type.Array(Type.Object({
    message: Type.Optional(Text), level: Type.Optional(Type.String()), context: Type.Optional(StringMap), timestamp: Timestamp, trace: TraceContext,
  }))),
  exceptions: Type.Optional(Type.Array(Type.Object({
    type: Type.Optional(Type.String({ maxLength: 500 })),
    value: Type.Optional(Text),
    stacktrace: Type.Optional(Type.Object({ frames: Type.Optional(Type.Array(Type.Object({
      filename: Type.Optional(Type.String()), function: Type.Optional(Type.String()), module: Type.Optional(Type.String()),
      lineno: Type.Optional(Type.Number()), colno: Type.Optional(Type.Number()),
    }))) })),
    timestamp: Timestamp, trace: TraceContext, context: Type.Optional(StringMap),
  }))),
  measurements: Type.Optional(Type.Array(Type.Object({
    type: Type.Optional(Type.String({ maxLength: 200 })),
    values: Type.Record(Type.String(), Type.Number()),
    timestamp: Timestamp, trace: TraceContext, context: Type.Optional(StringMap),
  }))),
  events: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ maxLength: 500 }), domain: Type.Optional(Type.String()), attributes: Type.Optional(StringMap), timestamp: Timestamp, trace: TraceContext,
  }))),
  /** OTLP/JSON, checked by the trace receiver's own schema */
  traces: Type.Optional(Type.Object({})),
}, { description: 'A Faro batch: meta plus logs, exceptions, measurements, events and traces' });

export type FaroPayloadT = Static<typeof FaroPayload>;
