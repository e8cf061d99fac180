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
