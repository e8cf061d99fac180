// Serves the built SvelteKit console (a single-page app) from this process: hashed assets
// with long caching, and index.html for every other page path so client routing works.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const CONSOLE_BUILD = fileURLToPath(new URL('../../console/build', import.meta.url));

/** CSP for the console: its one inline bootstrap script is allowed by hash, nothing else inline. */
export function consoleCsp(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
    .map((m) => `'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

export default async function consolePlugin(app: FastifyInstance) {
  const index = `${CONSOLE_BUILD}/200.html`;
  if (!existsSync(index)) {
    app.get('/', { config: { auth: { public: true } }, schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('The console is not built. Run `npm run build`, then restart.'));
    return;
  }
  const html = readFileSync(index, 'utf8');
  const csp = consoleCsp(html);
  await app.register(fastifyStatic, { root: CONSOLE_BUILD, serve: false, preCompressed: true });

  app.get('/_app/*', { config: { auth: { public: true } }, schema: { hide: true } }, async (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const immutable = path.startsWith('immutable/');
    return reply.sendFile(`_app/${path}`, { maxAge: immutable ? 31536000000 : 0, immutable });
  });

  const page = { config: { auth: { public: true } as const }, schema: { hide: true } };
  const sendIndex = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('content-security-policy', csp).header('cache-control', 'no-cache').type('text/html').send(html);
  app.get('/', page, sendIndex);
  // Page paths of the console; API-like paths keep their JSON 404s.
  app.get('/*', page, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (/^\/(api|auth|v1|collect|metrics)(\/|$)/.test(path)) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route for GET ${path}` });
    }
    if (/\.[a-z0-9]+$/i.test(path)) return reply.sendFile(path.slice(1), { maxAge: 3600000 });
    return sendIndex(req, reply);
  });
}
