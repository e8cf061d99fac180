// Remediation through the API: policies (data, validated against the action registry), the
// actions available, the remediations with their approvals, and the breaker's re-arm.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { deletePolicy, listPolicies, parsePolicy, putPolicy, rearmPolicy } from '../../controllers/remediation/policy.ts';
import { decideApproval, getRemediation, listRemediations, requestRemediation } from '../../controllers/remediation/store.ts';
import { renderParams } from '../../controllers/remediation/template.ts';
import { getAlert } from '../../slo/alerts/store.ts';
import { InvalidError, NotFoundError } from '../../tenancy/errors.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, errors } from '../schemas.ts';
import { RemediationView, remediationView } from './alerts.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const NameParams = Type.Object({ name: Type.String({ minLength: 2, maxLength: 63, pattern: '^[a-z][a-z0-9-]+$' }) });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 }) });
const PolicyView = Type.Object({
  name: Type.String(), source: Type.String(), document: Type.Unknown(), tripped: Type.Boolean(), trippedAt: Nullable(DateTime),
  trippedReason: Nullable(Type.String()), rearmedAt: Nullable(DateTime),
});
const NoteBody = Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });
const RequestBody = Type.Object({ alertId: Type.Integer({ minimum: 1, maximum: 2 ** 53 }), policy: NameParams.properties.name }, { additionalProperties: false });
const STATUSES = ['pending_approval', 'approved', 'rejected', 'expired', 'verifying', 'succeeded', 'failed', 'dry_run'] as const;
const ListQuery = Type.Object({
  status: Type.Optional(Type.Array(Type.Union(STATUSES.map((s) => Type.Literal(s))), { maxItems: 8 })),
  policy: Type.Optional(Type.String({ maxLength: 63 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
}, { additionalProperties: false });

const emptyBody = async (req: FastifyRequest) => {
  req.body ??= {};
};

export default async function remediation(app: FastifyInstance) {
  const policies = async () => (await listPolicies(app.db)).map(({ matchers: _m, source, trippedAt, trippedReason, rearmedAt, rearmedAfterId: _r, ...doc }) => ({
    name: doc.name, source, document: doc, tripped: trippedAt !== null, trippedAt: trippedAt?.toISOString() ?? null, trippedReason, rearmedAt: rearmedAt?.toISOString() ?? null,
  }));

  app.get('/api/v1/remediation/policies', {
    config: { auth: { permission: 'remediation:read' } },
    schema: { tags: ['remediation'], summary: 'Remediation policies (from the repository and the API) and their breakers', response: { 200: Type.Object({ items: Type.Array(PolicyView) }) } },
  }, async () => ({ items: await policies() }));

  app.put<{ Params: Static<typeof NameParams>; Body: Record<string, unknown> }>('/api/v1/remediation/policies/:name', {
    config: { auth: { permission: 'remediation:write' } },
    schema: { tags: ['remediation'], summary: 'Create or replace a policy', params: NameParams, body: Type.Object({}, { additionalProperties: true, maxProperties: 40 }), response: { 200: PolicyView, ...errors(400) } },
  }, async (req) => {
    const p = parsePolicy({ ...req.body, name: req.params.name }, `policy ${req.params.name}`);
    const action = app.actions.get(p.action);
    if (!action) throw new InvalidError(`policy ${p.name}: no action named "${p.action}"; known: ${app.actions.names.join(', ')}`);
    // Parameters that name no label can be checked now; templated ones are checked per alert.
    const probe = renderParams(p.params, { labels: {}, annotations: {} });
    const templated = JSON.stringify(p.params).includes('{{');
    const problem = action.check(probe);
    if (problem && !templated) throw new InvalidError(`policy ${p.name}: params do not fit ${p.action}: ${problem}`);
    const { matchers: _m, ...doc } = p;
    await putPolicy(app.db, doc, actorOf(req.principal!));
    return (await policies()).find((x) => x.name === p.name)!;
  });

  app.delete<{ Params: Static<typeof NameParams> }>('/api/v1/remediation/policies/:name', {
    config: { auth: { permission: 'remediation:write' } },
    schema: { tags: ['remediation'], summary: 'Delete a policy (a repository policy returns at the next start)', params: NameParams, response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    if (!(await deletePolicy(app.db, req.params.name))) throw new NotFoundError(`no policy named ${req.params.name}`);
    return reply.code(204).send();
  });

  app.post<{ Params: Static<typeof NameParams> }>('/api/v1/remediation/policies/:name/rearm', {
    config: { auth: { permission: 'remediation:write' } },
    preValidation: emptyBody,
    schema: { tags: ['remediation'], summary: 'Re-arm a policy whose breaker tripped', params: NameParams, body: NoteBody, response: { 200: PolicyView, ...errors(404) } },
  }, async (req) => {
    if (!(await rearmPolicy(app.db, req.params.name, actorOf(req.principal!)))) throw new NotFoundError(`no policy named ${req.params.name}`);
    req.log.info({ policy: req.params.name, by: actorOf(req.principal!) }, 'remediation policy re-armed');
    return (await policies()).find((x) => x.name === req.params.name)!;
  });

  app.get('/api/v1/remediation/actions', {
    config: { auth: { permission: 'remediation:read' } },
    schema: { tags: ['remediation'], summary: 'The actions policies can name: built-ins and loaded plugins', response: { 200: Type.Object({ items: Type.Array(Type.Object({ name: Type.String(), description: Nullable(Type.String()), risky: Type.Boolean(), kind: Type.String(), source: Type.String(), paramsSchema: Type.Unknown() })) }) } },
  }, async () => ({ items: app.actions.list().map((a) => ({ name: a.name, description: a.description ?? null, risky: a.risky, kind: a.kind, source: a.source, paramsSchema: a.paramsSchema })) }));

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/remediations', {
    config: { auth: { permission: 'remediation:read' } },
    schema: { tags: ['remediation'], summary: 'Remediations, newest first (status=pending_approval for the approvals waiting)', querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(RemediationView) }), ...errors(400) } },
  }, async (req) => ({ items: (await listRemediations(app.db, req.query)).map(remediationView) }));

  app.post<{ Body: Static<typeof RequestBody> }>('/api/v1/remediations', {
    config: { auth: { permission: 'remediation:write' } },
    schema: { tags: ['remediation'], summary: 'Ask for a remediation of an alert by a policy; someone else approves it', body: RequestBody, response: { 201: RemediationView, ...errors(400, 404, 409) } },
  }, async (req, reply) => {
    const alert = await getAlert(app.db, req.body.alertId);
    if (!alert) throw new NotFoundError(`no alert #${req.body.alertId}`);
    const p = (await listPolicies(app.db)).find((x) => x.name === req.body.policy);
    if (!p) throw new NotFoundError(`no policy named ${req.body.policy}`);
    const action = app.actions.get(p.action);
    if (!action) throw new InvalidError(`policy ${p.name} names an unknown action ${p.action}`);
    const params = renderParams(p.params, alert);
    const problem = action.check(params);
    if (problem) throw new InvalidError(`policy ${p.name} on alert #${alert.id}: ${problem}`);
    const r = await requestRemediation(app.db, {
      alertId: alert.id, policy: p.name, action: action.name, target: action.target(params), kind: action.kind, params,
      runbookUrl: p.runbook ?? alert.runbookUrl, requestedBy: actorOf(req.principal!), expiresAt: new Date(Date.now() + p.approvalTtlSeconds * 1000),
    });
    return reply.code(201).send(remediationView(r));
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/remediations/:id', {
    config: { auth: { permission: 'remediation:read' } },
    schema: { tags: ['remediation'], summary: 'One remediation', params: IdParams, response: { 200: RemediationView, ...errors(404) } },
  }, async (req) => {
    const r = await getRemediation(app.db, req.params.id);
    if (!r) throw new NotFoundError(`no remediation #${req.params.id}`);
    return remediationView(r);
  });

  for (const [verb, approve] of [['approve', true], ['reject', false]] as const) {
    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof NoteBody> }>(`/api/v1/remediations/:id/${verb}`, {
      config: { auth: { permission: 'remediation:approve' } },
      preValidation: emptyBody,
      schema: { tags: ['remediation'], summary: approve ? 'Approve a risky remediation (sre or admin; never its requester; before it expires)' : 'Reject a pending remediation', params: IdParams, body: NoteBody, response: { 200: RemediationView, ...errors(403, 404, 409) } },
    }, async (req) => {
      const r = await decideApproval(app.db, req.params.id, actorOf(req.principal!), approve, req.body?.note);
      req.log.info({ remediation: r.id, approve, by: actorOf(req.principal!) }, 'remediation approval answered');
      if (approve) app.alertEvents.emit('changed', { approved: [r.id] });
      return remediationView(r);
    });
  }
}
