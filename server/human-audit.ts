// Human actions in the audit log beside the controllers' decisions: who (the principal), what,
// on which target, and why (the reason given, if any).
import type { FastifyRequest } from 'fastify';
import { recordHumanAction, type HumanAction } from '../controllers/runtime/audit.ts';
import { actorOf } from './auth/principal.ts';

export function auditHuman(req: FastifyRequest, a: Omit<HumanAction, 'who' | 'actor'>): Promise<number> {
  const p = req.principal!;
  return recordHumanAction(req.server.db, { ...a, who: p.name, actor: actorOf(p) });
}
