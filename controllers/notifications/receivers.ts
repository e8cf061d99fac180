// Receivers as data, and how each kind delivers: a generic webhook (the body signed with
// HMAC-SHA256 of the receiver's secret), Slack incoming webhooks (@slack/webhook; the URL is
// the secret) and e-mail over SMTP (nodemailer; the password is the secret).
import { createHmac } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { IncomingWebhook } from '@slack/webhook';
import nodemailer from 'nodemailer';
import type { Queryable } from '../../db/pool.ts';
import { open, seal } from './secrets.ts';

export const SIGNATURE_HEADER = 'x-pilothouse-signature';

const Url = Type.String({ pattern: '^https?://', maxLength: 2_000 });
export const ReceiverBody = Type.Union([
  Type.Object({ kind: Type.Literal('webhook'), url: Url, secret: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })), timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('slack'), webhookUrl: Url, channel: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('email'), host: Type.String({ minLength: 1, maxLength: 253 }), port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    secure: Type.Optional(Type.Boolean()), user: Type.Optional(Type.String({ maxLength: 200 })), password: Type.Optional(Type.String({ maxLength: 500 })),
    from: Type.String({ minLength: 3, maxLength: 320 }), to: Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { minItems: 1, maxItems: 50 }),
    requireTls: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }),
]);
export type ReceiverBodyT = Static<typeof ReceiverBody>;

export interface StoredReceiver {
  name: string;
  kind: 'webhook' | 'slack' | 'email';
  /** what the API shows: no secret */
  config: Record<string, unknown>;
  hasSecret: boolean;
}

const SECRET_FIELD = { webhook: 'secret', slack: 'webhookUrl', email: 'password' } as const;

export async function putReceiver(db: Queryable, key: Buffer | undefined, name: string, body: ReceiverBodyT, actor: string): Promise<StoredReceiver> {
  const field = SECRET_FIELD[body.kind];
  const { [field]: secret, ...config } = body as Record<string, unknown>;
  const sealed = typeof secret === 'string' ? seal(key, secret) : null;
  await db.query(
    `INSERT INTO notification_receivers (name, kind, config, secret, created_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, config = EXCLUDED.config, secret = EXCLUDED.secret`,
    [name, body.kind, config, sealed, actor]);
  return { name, kind: body.kind, config, hasSecret: sealed !== null };
}

export async function listReceivers(db: Queryable): Promise<StoredReceiver[]> {
  const { rows } = await db.query(`SELECT name, kind, config, secret IS NOT NULL AS "hasSecret" FROM notification_receivers ORDER BY name`);
  return rows;
}

export interface Message {
  subject: string;
  text: string;
  /** the Alertmanager-shaped body a webhook receiver gets */
  body: Record<string, unknown>;
}

export interface DeliveryOutcome {
  ok: boolean;
  statusCode?: number;
  error?: string;
}

/** Sends one message to one receiver; throws nothing, says what happened. */
export async function deliver(db: Queryable, key: Buffer | undefined, receiver: string, m: Message): Promise<DeliveryOutcome> {
  const { rows } = await db.query<{ kind: string; config: any; secret: Buffer | null }>(`SELECT kind, config, secret FROM notification_receivers WHERE name = $1`, [receiver]);
  const r = rows[0];
  if (!r) return { ok: false, error: `receiver ${receiver} no longer exists` };
  try {
    const secret = r.secret ? open(key, r.secret) : undefined;
    if (r.kind === 'webhook') {
      const body = JSON.stringify(m.body);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'pilothouse-notifications' };
      if (secret) headers[SIGNATURE_HEADER] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const res = await fetch(r.config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(r.config.timeoutMs ?? 10_000) });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? { ok: true, statusCode: res.status } : { ok: false, statusCode: res.status, error: `answered ${res.status}` };
    }
    if (r.kind === 'slack') {
      if (!secret) return { ok: false, error: 'the Slack receiver has no webhook URL' };
      await new IncomingWebhook(secret, { timeout: 10_000 }).send({ text: `*${m.subject}*\n${m.text}`, ...(r.config.channel ? { channel: r.config.channel } : {}) });
      return { ok: true, statusCode: 200 };
    }
    const transport = nodemailer.createTransport({
      host: r.config.host, port: r.config.port, secure: r.config.secure ?? false, requireTLS: r.config.requireTls ?? false,
      auth: r.config.user ? { user: r.config.user, pass: secret ?? '' } : undefined,
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000,
      tls: { rejectUnauthorized: !/^(127\.|localhost$)/.test(r.config.host) },
    });
    try {
      await transport.sendMail({ from: r.config.from, to: r.config.to, subject: m.subject, text: m.text });
    } finally {
      transport.close();
    }
    return { ok: true, statusCode: 250 };
  } catch (err) {
    const e = err as { code?: string | number; responseCode?: number; message?: string };
    return { ok: false, statusCode: typeof e.responseCode === 'number' ? e.responseCode : undefined, error: e.message ?? String(err) };
  }
}

export const isReceiverBody = (v: unknown): v is ReceiverBodyT => Value.Check(ReceiverBody, v);
