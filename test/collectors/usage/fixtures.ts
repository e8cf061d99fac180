// Builders for usage CloudEvents and the requests that carry them.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bearer, type TestApp } from '../../helper.ts';

/** Who sends usage: a platform collector's token and the tenant it sends for (in the URL). */
export interface Sender {
  token: string;
  tenantId: string;
}

/** A platform `collector` token sending for `tenantId`: the only kind of credential that writes usage. */
export async function collector(t: TestApp, tenantId: string): Promise<Sender> {
  return { token: await t.token('collector'), tenantId };
}

export const eventsUrl = (s: Sender) => `/api/v1/tenants/${s.tenantId}/events`;

export function postCancellation(app: FastifyInstance, s: Sender, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `${eventsUrl(s)}/cancellations`, headers: bearer(s.token), payload: body });
}

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

export function postBatch(app: FastifyInstance, s: Sender, events: unknown[]) {
  return app.inject({
    method: 'POST', url: eventsUrl(s),
    headers: { ...bearer(s.token), 'content-type': 'application/cloudevents-batch+json' },
    payload: JSON.stringify(events),
  });
}

export function postEvent(app: FastifyInstance, s: Sender, event: unknown) {
  return app.inject({
    method: 'POST', url: eventsUrl(s),
    headers: { ...bearer(s.token), 'content-type': 'application/cloudevents+json' },
    payload: JSON.stringify(event),
  });
}

export const hoursAgo = (h: number, from = Date.now()) => new Date(from - h * 3600_000);

/** Sends a batch like a careful client: after a 429, again once Retry-After has passed (shortened here). */
export async function sendRetrying(app: FastifyInstance, s: Sender, events: unknown[]) {
  for (;;) {
    const res = await postBatch(app, s, events);
    if (res.statusCode !== 429) return res;
    if (!res.headers['retry-after']) throw new Error('a 429 without Retry-After');
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
}
