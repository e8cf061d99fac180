// Alertmanager's webhook body (notify/webhook/webhook.go, version "4"), bounded: every
// string and list has a declared limit. Newer optional fields (notification_reason,
// routeLabels) are accepted and kept out of the way.
import { Type, type Static } from 'typebox';

const Labels = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4_000 }), { maxProperties: 100 });
const Time = Type.String({ format: 'date-time', maxLength: 40 });

export const AlertmanagerAlert = Type.Object({
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  labels: Labels,
  annotations: Type.Optional(Labels),
  startsAt: Time,
  endsAt: Type.Optional(Time),
  generatorURL: Type.Optional(Type.String({ maxLength: 2_000 })),
  // Alertmanagers before 0.19 sent none; one is then derived from the labels.
  fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9]+$' })),
});

export const AlertmanagerPayload = Type.Object({
  version: Type.Literal('4', { description: 'the webhook payload version; Alertmanager sends "4"' }),
  groupKey: Type.String({ maxLength: 4_000 }),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  receiver: Type.String({ maxLength: 200 }),
  groupLabels: Type.Optional(Labels),
  commonLabels: Type.Optional(Labels),
  commonAnnotations: Type.Optional(Labels),
  externalURL: Type.Optional(Type.String({ maxLength: 2_000 })),
  alerts: Type.Array(AlertmanagerAlert, { maxItems: 1_000 }),
  notification_reason: Type.Optional(Type.String({ maxLength: 100 })),
  routeLabels: Type.Optional(Labels),
}, { additionalProperties: true });

export type AlertmanagerPayloadT = Static<typeof AlertmanagerPayload>;
export type AlertmanagerAlertT = Static<typeof AlertmanagerAlert>;

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
