import { createHash, randomBytes } from 'node:crypto';

/** A high-entropy secret; SHA-256 is enough to store it (no password stretching needed). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
