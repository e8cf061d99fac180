// Builders for usage CloudEvents and the requests that carry them.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bearer } from '../../helper.ts';

export function usageEvent(overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/agents/test',
    type: 'llm.tokens',
    time: new Date().toISOString(),
    data: { quantity: 100, model: 'claude-sonnet-4', kind: 'prompt', ...data },
    ...overrides,
  };
}

export function postBatch(app: FastifyInstance, token: string, events: unknown[]) {
  return app.inject({
    method: 'POST', url: '/api/v1/events',
    headers: { ...bearer(token), 'content-type': 'application/cloudevents-batch+json' },
    payload: JSON.stringify(events),
  });
}

export function postEvent(app: FastifyInstance, token: string, event: unknown) {
  return app.inject({
    method: 'POST', url: '/api/v1/events',
    headers: { ...bearer(token), 'content-type': 'application/cloudevents+json' },
    payload: JSON.stringify(event),
  });
}

export const hoursAgo = (h: number, from = Date.now()) => new Date(from - h * 3600_000);

/** Sends a batch like a careful client: after a 429, again once Retry-After has passed (shortened here). */
export async function sendRetrying(app: FastifyInstance, token: string, events: unknown[]) {
  for (;;) {
    const res = await postBatch(app, token, events);
    if (res.statusCode !== 429) return res;
    if (!res.headers['retry-after']) throw new Error('a 429 without Retry-After');
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
}
