// Notifications through the API: receivers (secrets sealed, never returned), the routing
// list, silences with an end and a reason, and the delivery log.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { listReceivers, putReceiver, ReceiverBody } from '../../controllers/notifications/receivers.ts';
import { addSilence, loadRoutes, replaceRoutes } from '../../controllers/notifications/outbox.ts';
import { secretsKey } from '../../controllers/notifications/secrets.ts';
import { parseMatcher, formatMatcher } from '../../slo/alerts/matchers.ts';
import { InvalidError, NotFoundError } from '../../tenancy/errors.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, errors } from '../schemas.ts';

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9][a-z0-9-]*$' }) });
const Receiver = Type.Object({ name: Type.String(), kind: Type.String(), config: Type.Record(Type.String(), Type.Unknown()), hasSecret: Type.Boolean() });
const MatcherList = Type.Array(Type.String({ minLength: 3, maxLength: 1_000 }), { maxItems: 20 });
const RouteBody = Type.Object({
  receiver: Type.String({ minLength: 1, maxLength: 63 }), matchers: MatcherList,
  groupBy: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20 })),
  groupWaitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  groupIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  repeatIntervalSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 604_800 })),
  continue: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const SilenceBody = Type.Object({
  matchers: Type.Array(Type.String({ minLength: 3, maxLength: 1_000 }), { minItems: 1, maxItems: 20 }),
  startsAt: Type.Optional(DateTime), endsAt: DateTime, reason: Type.String({ minLength: 3, maxLength: 500 }),
}, { additionalProperties: false });

export default async function notifications(app: FastifyInstance) {
  const key = () => secretsKey(app.config.PILOTHOUSE_SECRETS_KEY);
  const routeView = async () => (await loadRoutes(app.db)).map((r) => ({
    receiver: r.receiver, matchers: r.matchers.map(formatMatcher), groupBy: r.groupBy, groupWaitSeconds: r.groupWaitS, groupIntervalSeconds: r.groupIntervalS,
    repeatIntervalSeconds: r.repeatIntervalS, continue: r.continue,
  }));

  app.get('/api/v1/notifications/receivers', {
    config: { auth: { permission: 'notifications:read' } },
    schema: { tags: ['notifications'], summary: 'Receivers, without their secrets', response: { 200: Type.Object({ items: Type.Array(Receiver) }) } },
  }, async () => ({ items: await listReceivers(app.db) }));

  app.put<{ Params: Static<typeof Name>; Body: Static<typeof ReceiverBody> }>('/api/v1/notifications/receivers/:name', {
    config: { auth: { permission: 'notifications:write' } },
    schema: { tags: ['notifications'], summary: 'Create or replace a receiver (webhook, slack or email); its secret is sealed with PILOTHOUSE_SECRETS_KEY', params: Name, body: ReceiverBody, response: { 200: Receiver, ...errors(400) } },
  }, async (req) => putReceiver(app.db, key(), req.params.name, req.body, actorOf(req.principal!)));

  app.delete<{ Params: Static<typeof Name> }>('/api/v1/notifications/receivers/:name', {
    config: { auth: { permission: 'notifications:write' } },
    schema: { tags: ['notifications'], summary: 'Delete a receiver and its routes', params: Name, response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    const r = await app.db.query('DELETE FROM notification_receivers WHERE name = $1', [req.params.name]);
    if (!r.rowCount) throw new NotFoundError(`no receiver named ${req.params.name}`);
    return reply.code(204).send();
  });

  app.get('/api/v1/notifications/routes', {
    config: { auth: { permission: 'notifications:read' } },
    schema: { tags: ['notifications'], summary: 'The routes, in order (first match wins unless continue)', response: { 200: Type.Object({ items: Type.Array(RouteBody) }) } },
  }, async () => ({ items: await routeView() }));

  app.put<{ Body: { items: Static<typeof RouteBody>[] } }>('/api/v1/notifications/routes', {
    config: { auth: { permission: 'notifications:write' } },
    schema: { tags: ['notifications'], summary: 'Replace the routes', body: Type.Object({ items: Type.Array(RouteBody, { maxItems: 100 }) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(RouteBody) }), ...errors(400) } },
  }, async (req) => {
    const known = new Set((await listReceivers(app.db)).map((r) => r.name));
    for (const r of req.body.items) if (!known.has(r.receiver)) throw new InvalidError(`route names receiver ${r.receiver}, which does not exist`);
    await replaceRoutes(app.db, req.body.items.map((r) => ({
      receiver: r.receiver, matchers: r.matchers.map(parseMatcher), groupBy: r.groupBy, groupWaitS: r.groupWaitSeconds, groupIntervalS: r.groupIntervalSeconds,
      repeatIntervalS: r.repeatIntervalSeconds, continue: r.continue,
    })));
    return { items: await routeView() };
  });

  app.get('/api/v1/notifications/silences', {
    config: { auth: { permission: 'notifications:read' } },
    schema: { tags: ['notifications'], summary: 'Silences that have not ended', response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), matchers: Type.Array(Type.String()), startsAt: DateTime, endsAt: DateTime, reason: Type.String(), createdBy: Type.String() })) }) } },
  }, async () => {
    const { rows } = await app.db.query(`SELECT id, matchers, starts_at, ends_at, reason, created_by FROM silences WHERE ends_at > now() ORDER BY ends_at`);
    return { items: rows.map((r) => ({ id: r.id, matchers: r.matchers.map(formatMatcher), startsAt: r.starts_at.toISOString(), endsAt: r.ends_at.toISOString(), reason: r.reason, createdBy: r.created_by })) };
  });

  app.post<{ Body: Static<typeof SilenceBody> }>('/api/v1/notifications/silences', {
    config: { auth: { permission: 'notifications:write' } },
    schema: { tags: ['notifications'], summary: 'Silence matching alerts until an end time, saying why', body: SilenceBody, response: { 201: Type.Object({ id: Type.String() }), ...errors(400) } },
  }, async (req, reply) => {
    const endsAt = new Date(req.body.endsAt);
    const startsAt = req.body.startsAt ? new Date(req.body.startsAt) : new Date();
    if (endsAt <= startsAt) throw new InvalidError('endsAt must be after startsAt (or after now)');
    if (endsAt.getTime() - startsAt.getTime() > 90 * 86_400_000) throw new InvalidError('a silence lasts at most 90 days');
    const s = await addSilence(app.db, { matchers: req.body.matchers.map(parseMatcher), startsAt, endsAt, reason: req.body.reason, createdBy: actorOf(req.principal!) });
    return reply.code(201).send(s);
  });

  app.delete<{ Params: { id: string } }>('/api/v1/notifications/silences/:id', {
    config: { auth: { permission: 'notifications:write' } },
    schema: { tags: ['notifications'], summary: 'End a silence now', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    const r = await app.db.query(`UPDATE silences SET ends_at = now() WHERE id = $1 AND ends_at > now() AND starts_at < now()`, [req.params.id]);
    if (!r.rowCount) await app.db.query(`DELETE FROM silences WHERE id = $1 AND starts_at >= now()`, [req.params.id]);
    if (!r.rowCount) throw new NotFoundError(`no active silence ${req.params.id}`);
    return reply.code(204).send();
  });

  app.get('/api/v1/notifications/deliveries', {
    config: { auth: { permission: 'notifications:read' } },
    schema: { tags: ['notifications'], summary: 'Recent notifications and each delivery attempt', response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), receiver: Type.String(), status: Type.String(), attempts: Type.Integer(), subject: Type.String(), lastError: Type.Union([Type.String(), Type.Null()]), createdAt: DateTime, deliveredAt: Type.Union([DateTime, Type.Null()]) })) }) } },
  }, async () => {
    const { rows } = await app.db.query(`SELECT id::int, receiver, status, attempts, payload->>'subject' AS subject, last_error, created_at, delivered_at FROM notification_outbox ORDER BY id DESC LIMIT 200`);
    return { items: rows.map((r) => ({ id: r.id, receiver: r.receiver, status: r.status, attempts: r.attempts, subject: r.subject ?? '', lastError: r.last_error, createdAt: r.created_at.toISOString(), deliveredAt: r.delivered_at?.toISOString() ?? null })) };
  });
}
