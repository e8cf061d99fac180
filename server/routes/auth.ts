// Sign-in endpoints for the console: OIDC when configured, else the one-time bootstrap link.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { ensureBootstrapAdmin } from '../../tenancy/users.ts';
import { SESSION_COOKIE, consumeBootstrapLink, createSession, deleteSession } from '../auth/sessions.ts';
import { SignInRefusedError, type OidcClient } from '../auth/oidc.ts';

const rateLimit = { max: 20, timeWindow: '1 minute' };

export interface AuthRoutesOptions {
  oidc?: OidcClient;
}

const SITE = new URL('http://pilothouse.invalid');

/**
 * Only same-site paths: an open redirect after sign-in would be a phishing aid. The path is
 * judged as a browser will read it (WHATWG parsing drops tabs and newlines and reads \ as /,
 * so "/\t/evil.example" is "//evil.example") and sent back in that normalised form.
 */
function safeReturn(to: string | undefined): string {
  if (!to?.startsWith('/')) return '/';
  const url = URL.parse(to, SITE);
  // "/..//evil.example" normalises to the path "//evil.example", itself a protocol-relative URL.
  if (url?.origin !== SITE.origin || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

export default async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions) {
  const secure = app.config.publicUrl.startsWith('https://');

  async function signIn(reply: FastifyReply, userId: string, to: string) {
    const session = await createSession(app.db, userId, app.config.SESSION_TTL_HOURS);
    reply.setCookie(SESSION_COOKIE, session.id, {
      path: '/', httpOnly: true, sameSite: 'lax', secure, expires: session.expiresAt,
    });
    return reply.redirect(safeReturn(to), 303);
  }

  app.get('/auth/info', {
    config: { auth: { public: true } },
    schema: { tags: ['auth'], summary: 'How to sign in', response: { 200: Type.Object({ oidc: Type.Boolean() }) } },
  }, async () => ({ oidc: opts.oidc !== undefined }));

  const BootstrapQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) });
  app.get<{ Querystring: Static<typeof BootstrapQuery> }>('/auth/bootstrap', {
    config: { auth: { public: true }, rateLimit },
    schema: { tags: ['auth'], summary: 'One-time sign-in link for the first admin', querystring: BootstrapQuery },
  }, async (req, reply) => {
    if (!(await consumeBootstrapLink(app.db, req.query.token))) {
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'this sign-in link is unknown, used or expired; run `pilothouse admin link` for a new one' });
    }
    const admin = await ensureBootstrapAdmin(app.db);
    return signIn(reply, admin.id, '/');
  });

  const LoginQuery = Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 500 })) });
  app.get<{ Querystring: Static<typeof LoginQuery> }>('/auth/login', {
    config: { auth: { public: true }, rateLimit },
    schema: { tags: ['auth'], summary: 'Start an OpenID Connect sign-in', querystring: LoginQuery },
  }, async (req, reply) => {
    if (!opts.oidc) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'OpenID Connect is not configured (set OIDC_ISSUER and OIDC_CLIENT_ID)' });
    // An unreachable provider is a ProviderUnavailableError: a 502 whose message names it.
    return reply.redirect((await opts.oidc.start(app.db, safeReturn(req.query.returnTo))).href, 302);
  });

  app.get('/auth/callback', {
    config: { auth: { public: true }, rateLimit },
    schema: { tags: ['auth'], summary: 'OpenID Connect redirect target' },
  }, async (req, reply) => {
    if (!opts.oidc) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'OpenID Connect is not configured' });
    try {
      const { user, returnTo } = await opts.oidc.finish(app.db, new URL(req.url, app.config.publicUrl));
      return await signIn(reply, user.id, returnTo);
    } catch (err) {
      // An unreachable provider is a 502 (ProviderUnavailableError), anything else but a
      // refusal (the database, a bug) a 500 with a request id.
      if (!(err instanceof SignInRefusedError)) throw err;
      req.log.warn({ err }, 'OIDC sign-in refused');
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: `sign-in failed: ${err.message}` });
    }
  });

  app.post('/auth/logout', {
    config: { auth: { public: true } },
    schema: { tags: ['auth'], summary: 'End the console session' },
  }, async (req, reply) => {
    const sid = req.cookies[SESSION_COOKIE];
    if (sid) await deleteSession(app.db, sid);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}
