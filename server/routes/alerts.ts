// Alerts in: Alertmanager's webhook (the alerts role's one permission) and the list the
// console and the on-call read, each alert with its runbook, its SLO and what was done.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AlertmanagerPayload } from '../../slo/alerts/schema.ts';
import { ingestAlertmanager, listAlerts, getAlert, type AlertInstance } from '../../slo/alerts/store.ts';
import { parseMatchers, type Matcher } from '../../slo/alerts/matchers.ts';
import { listRemediations, type RemediationRow } from '../../controllers/remediation/store.ts';
import { NotFoundError } from '../../tenancy/errors.ts';
import { DateTime, errors } from '../schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Labels = Type.Record(Type.String(), Type.String());

export const RemediationView = Type.Object({
  id: Type.Integer(), alertId: Nullable(Type.Integer()), policy: Type.String(), action: Type.String(), target: Type.String(), kind: Type.String(),
  params: Type.Unknown(), status: Type.String(), risky: Type.Boolean(), dryRun: Type.Boolean(), requestedBy: Type.String(), requestedAt: DateTime,
  expiresAt: Nullable(DateTime), decidedBy: Nullable(Type.String()), decidedAt: Nullable(DateTime), decisionNote: Nullable(Type.String()),
  appliedAt: Nullable(DateTime), verifyAt: Nullable(DateTime), verifiedAt: Nullable(DateTime), result: Type.Unknown(), error: Nullable(Type.String()),
  runbookUrl: Nullable(Type.String()),
});

const AlertView = Type.Object({
  id: Type.Integer(), source: Type.String(), fingerprint: Type.String(), status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]), alertname: Type.String(),
  severity: Nullable(Type.String()), labels: Labels, annotations: Labels, startsAt: DateTime, endsAt: Nullable(DateTime),
  generatorUrl: Nullable(Type.String()), runbookUrl: Nullable(Type.String()), slo: Nullable(Type.String()), received: Type.Integer(),
  firstSeenAt: DateTime, lastSeenAt: DateTime, resolvedAt: Nullable(DateTime),
  remediations: Type.Array(RemediationView, { description: 'what was done about it' }),
});

const AlertQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
  severity: Type.Optional(Type.String({ maxLength: 64 })),
  filter: Type.Optional(Type.Array(Type.String({ maxLength: 1_000 }), { maxItems: 20, description: 'Alertmanager matchers such as alertname="X" or namespace=~"tenant-.*"; repeat for more' })),
  limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 200 }),
}, { additionalProperties: false });

const IntakeResult = Type.Object({ alerts: Type.Integer(), created: Type.Integer(), resolved: Type.Integer(), repeats: Type.Integer() });

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function remediationView(r: RemediationRow): Static<typeof RemediationView> {
  return {
    id: r.id, alertId: r.alertId, policy: r.policy, action: r.action, target: r.target, kind: r.kind, params: r.params, status: r.status, risky: r.risky,
    dryRun: r.dryRun, requestedBy: r.requestedBy, requestedAt: r.requestedAt.toISOString(), expiresAt: iso(r.expiresAt), decidedBy: r.decidedBy,
    decidedAt: iso(r.decidedAt), decisionNote: r.decisionNote, appliedAt: iso(r.appliedAt), verifyAt: iso(r.verifyAt), verifiedAt: iso(r.verifiedAt),
    result: r.result, error: r.error, runbookUrl: r.runbookUrl,
  };
}

export async function alertViews(app: FastifyInstance, alerts: AlertInstance[]): Promise<Static<typeof AlertView>[]> {
  const rs = alerts.length ? await listRemediations(app.db, { alertIds: alerts.map((a) => a.id), limit: 500 }) : [];
  const by = new Map<number, RemediationRow[]>();
  for (const r of rs) if (r.alertId !== null) by.set(r.alertId, [...(by.get(r.alertId) ?? []), r]);
  return alerts.map((a) => ({
    ...a, startsAt: a.startsAt.toISOString(), endsAt: iso(a.endsAt), firstSeenAt: a.firstSeenAt.toISOString(), lastSeenAt: a.lastSeenAt.toISOString(),
    resolvedAt: iso(a.resolvedAt), remediations: (by.get(a.id) ?? []).map(remediationView),
  }));
}

export default async function alerts(app: FastifyInstance) {
  app.post<{ Body: Static<typeof AlertmanagerPayload> }>('/api/v1/alerts/alertmanager', {
    config: { auth: { permission: 'alerts:ingest' } },
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags: ['alerts'], summary: 'Alertmanager webhook receiver (payload version 4): repeats are absorbed by fingerprint and startsAt',
      body: AlertmanagerPayload, response: { 200: IntakeResult, ...errors(400, 401, 403) },
    },
  }, async (req) => {
    const r = await ingestAlertmanager(app.db, req.body);
    if (r.created.length || r.resolved.length) app.alertEvents.emit('changed', { created: r.created, resolved: r.resolved });
    req.log.info({ receiver: req.body.receiver, groupKey: req.body.groupKey, alerts: r.alerts, created: r.created.length, resolved: r.resolved.length }, 'alertmanager webhook');
    return { alerts: r.alerts, created: r.created.length, resolved: r.resolved.length, repeats: r.repeats };
  });

  app.get<{ Querystring: Static<typeof AlertQuery> }>('/api/v1/alerts', {
    config: { auth: { permission: 'alerts:read' } },
    schema: { tags: ['alerts'], summary: 'Alert instances, newest first, with runbook, SLO and remediations', querystring: AlertQuery, response: { 200: Type.Object({ items: Type.Array(AlertView) }), ...errors(400) } },
  }, async (req) => {
    const matchers: Matcher[] = (req.query.filter ?? []).flatMap((f) => parseMatchers(f));
    const items = await listAlerts(app.db, { state: req.query.state, severity: req.query.severity, matchers, limit: req.query.limit });
    return { items: await alertViews(app, items) };
  });

  app.get<{ Params: { id: number } }>('/api/v1/alerts/:id', {
    config: { auth: { permission: 'alerts:read' } },
    schema: { tags: ['alerts'], summary: 'One alert instance', params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 }) }), response: { 200: AlertView, ...errors(400, 404) } },
  }, async (req) => {
    const a = await getAlert(app.db, req.params.id);
    if (!a) throw new NotFoundError(`no alert #${req.params.id}`);
    return (await alertViews(app, [a]))[0];
  });
}
