import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export default async function health(app: FastifyInstance) {
  app.get('/healthz', {
    config: { auth: { public: true } },
    schema: { tags: ['health'], summary: 'The process is alive', response: { 200: Type.Object({ status: Type.String() }) } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { auth: { public: true } },
    schema: {
      tags: ['health'],
      summary: 'The database is reachable',
      response: { 200: Type.Object({ status: Type.String(), db: Type.String() }), 503: Type.Object({ status: Type.String(), db: Type.String() }) },
    },
  }, async (_req, reply) => {
    try {
      await app.db.query({ text: 'SELECT 1', query_timeout: 2000 } as never);
      return { status: 'ok', db: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', db: 'unreachable' });
    }
  });
}
