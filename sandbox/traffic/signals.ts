// What a working OpenHands sandbox reports: usage as CloudEvents (LLM tokens and cost per
// model, compute and storage) and an OTLP/JSON trace per agent step. Pure builders: the same
// inputs give the same events and ids, so a resent batch is absorbed as duplicates.
import { createHash } from 'node:crypto';
import type { Random } from '../fleet/random.ts';

export interface Model { name: string; promptPerM: number; completionPerM: number; cacheReadPerM: number; cacheWritePerM: number }

/** USD per million tokens. */
export const MODELS: Model[] = [
  { name: 'claude-sonnet-4-5', promptPerM: 3, completionPerM: 15, cacheReadPerM: 0.3, cacheWritePerM: 3.75 },
  { name: 'gpt-5', promptPerM: 1.25, completionPerM: 10, cacheReadPerM: 0.125, cacheWritePerM: 1.25 },
  { name: 'gemini-2.5-pro', promptPerM: 1.25, completionPerM: 10, cacheReadPerM: 0.31, cacheWritePerM: 1.25 },
];

export interface WorkspaceFacts { id: string; region: string; nodePool: string; resourceFactor: number; model: Model }

const BASE_CPU = 0.5;
const VOLUME_GB = 10;

export const sourceOf = (workspaceId: string) => `/pilothouse/sandbox/agents/${workspaceId}`;

function event(ws: WorkspaceFacts, type: string, slot: string, time: Date, data: Record<string, string | number>) {
  return {
    specversion: '1.0', id: `${type}:${slot}`, source: sourceOf(ws.id), type, subject: ws.id,
    time: time.toISOString(), datacontenttype: 'application/json', data,
  };
}

/** LLM usage of `calls` agent steps in the interval ending at `end` (slot names the interval). */
export function llmUsage(ws: WorkspaceFacts, calls: number, slot: string, end: Date, rnd: Random) {
  if (calls <= 0) return [];
  let prompt = 0; let completion = 0; let cacheRead = 0; let cacheWrite = 0;
  for (let i = 0; i < calls; i++) {
    const context = 8_000 + Math.floor(rnd() * 60_000);
    cacheRead += Math.floor(context * (0.6 + 0.3 * rnd()));
    prompt += Math.floor(context * 0.1 + rnd() * 2_000);
    cacheWrite += Math.floor(1_000 + rnd() * 4_000);
    completion += Math.floor(200 + rnd() * 1_800);
  }
  const m = ws.model;
  const cost = (prompt * m.promptPerM + completion * m.completionPerM + cacheRead * m.cacheReadPerM + cacheWrite * m.cacheWritePerM) / 1e6;
  return [
    event(ws, 'llm.tokens', `${slot}:prompt`, end, { quantity: prompt, model: m.name, kind: 'prompt' }),
    event(ws, 'llm.tokens', `${slot}:completion`, end, { quantity: completion, model: m.name, kind: 'completion' }),
    event(ws, 'llm.tokens', `${slot}:cache_read`, end, { quantity: cacheRead, model: m.name, kind: 'cache_read' }),
    event(ws, 'llm.tokens', `${slot}:cache_write`, end, { quantity: cacheWrite, model: m.name, kind: 'cache_write' }),
    event(ws, 'llm.cost_usd', slot, end, { quantity: Math.round(cost * 1e6) / 1e6, model: m.name }),
  ];
}

/** compute.seconds while the sandbox runs: CPU request × seconds × resource factor. */
export function computeUsage(ws: WorkspaceFacts, seconds: number, slot: string, end: Date) {
  return [event(ws, 'compute.seconds', slot, end, { quantity: Math.round(BASE_CPU * seconds * ws.resourceFactor * 1000) / 1000, region: ws.region, pool: ws.nodePool })];
}

/** storage.gb_hours for the workspace volume, running or paused. */
export function storageUsage(ws: WorkspaceFacts, seconds: number, slot: string, end: Date) {
  return [event(ws, 'storage.gb_hours', slot, end, { quantity: Math.round((VOLUME_GB * seconds / 3600) * 1e6) / 1e6, region: ws.region, class: 'standard' })];
}

const hex = (seed: string, bytes: number) => createHash('sha256').update(seed).digest('hex').slice(0, bytes * 2);
const attr = (key: string, v: string | number | boolean) => ({
  key, value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
});
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/**
 * One agent step as the agent server traces it: the HTTP request that carries the user's
 * message (server span with http.route), the LLM call and a tool run under it.
 */
export function agentStepTrace(ws: WorkspaceFacts, tenantId: string, slot: string, endMs: number, rnd: Random) {
  const traceId = hex(`${ws.id}:${slot}:trace`, 16);
  const rootId = hex(`${ws.id}:${slot}:root`, 8);
  const llmMs = 800 + rnd() * 9_000;
  const toolMs = 50 + rnd() * 3_000;
  const total = llmMs + toolMs + 20 + rnd() * 200;
  const start = endMs - total;
  const failed = rnd() < 0.02;
  const status = failed ? 500 : 200;
  const spans = [
    {
      traceId, spanId: rootId, name: 'POST /api/conversations/{conversation_id}/events', kind: 2,
      startTimeUnixNano: nanos(start), endTimeUnixNano: nanos(endMs),
      attributes: [attr('http.request.method', 'POST'), attr('http.route', '/api/conversations/{conversation_id}/events'), attr('http.response.status_code', status), attr('pilothouse.workspace', ws.id)],
      status: { code: failed ? 2 : 1, ...(failed ? { message: 'LLM unavailable' } : {}) },
    },
    {
      traceId, spanId: hex(`${ws.id}:${slot}:llm`, 8), parentSpanId: rootId, name: `chat ${ws.model.name}`, kind: 3,
      startTimeUnixNano: nanos(start + 10), endTimeUnixNano: nanos(start + 10 + llmMs),
      attributes: [attr('gen_ai.operation.name', 'chat'), attr('gen_ai.request.model', ws.model.name), attr('gen_ai.usage.input_tokens', Math.floor(5_000 + rnd() * 50_000)), attr('gen_ai.usage.output_tokens', Math.floor(200 + rnd() * 1_800))],
      status: { code: failed ? 2 : 0 },
    },
    {
      traceId, spanId: hex(`${ws.id}:${slot}:tool`, 8), parentSpanId: rootId, name: 'execute_bash', kind: 1,
      startTimeUnixNano: nanos(start + 20 + llmMs), endTimeUnixNano: nanos(start + 20 + llmMs + toolMs),
      attributes: [attr('openhands.tool', 'execute_bash')],
      status: { code: 0 },
    },
  ];
  return {
    resourceSpans: [{
      resource: { attributes: [attr('service.name', 'openhands-agent-server'), attr('service.version', '1.0.0'), attr('pilothouse.tenant', tenantId), attr('cloud.region', ws.region)] },
      scopeSpans: [{ scope: { name: 'openhands.agent', version: '1.0.0' }, spans: failed ? spans.slice(0, 2) : spans }],
    }],
  };
}
