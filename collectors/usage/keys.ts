// The idempotency key (tenant, source, id) folded into one 16-byte value: SHA-256, first
// 128 bits, shaped as a uuid so the unique index compares fixed-width values.
import { createHash } from 'node:crypto';

export function eventKey(tenantId: string, source: string, id: string): string {
  const h = createHash('sha256').update(tenantId).update('\0').update(source).update('\0').update(id).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
