// Receiver secrets sealed at rest: AES-256-GCM with a key from the environment
// (PILOTHOUSE_SECRETS_KEY, 32 bytes in base64). Stored as iv ‖ tag ‖ ciphertext; the API
// never returns them.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretsKeyError extends Error {
  readonly statusCode = 400;
}

export function secretsKey(base64: string | undefined): Buffer | undefined {
  if (!base64) return undefined;
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new SecretsKeyError('PILOTHOUSE_SECRETS_KEY must be 32 bytes in base64 (openssl rand -base64 32)');
  return key;
}

export function seal(key: Buffer | undefined, plain: string): Buffer {
  if (!key) throw new SecretsKeyError('receiver secrets need PILOTHOUSE_SECRETS_KEY (openssl rand -base64 32) to be stored encrypted');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

export function open(key: Buffer | undefined, sealed: Buffer): string {
  if (!key) throw new SecretsKeyError('PILOTHOUSE_SECRETS_KEY is not set: receiver secrets cannot be read');
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
}
