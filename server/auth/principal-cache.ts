// Who a credential is, remembered for a few seconds: every authenticated request would
// otherwise cost one to three queries for an answer that almost never changes. Revocation is
// honoured at once: revoking a token, ending a session or changing a membership or platform
// role announces itself (database triggers → CacheInvalidation), and every replica drops its
// entries before the next request. With the announcement channel down, nothing is cached.
// Unknown credentials are never cached, so a token works the moment it is created.
import { createHash } from 'node:crypto';
import type { ApiToken } from '../../tenancy/tokens.ts';
import type { CacheInvalidation } from '../cache/invalidation.ts';
import { TtlCache } from '../cache/ttl-cache.ts';
import type { Principal } from './principal.ts';

export const PRINCIPAL_TTL_MS = 5_000;

export class PrincipalCache {
  private readonly tokens = new TtlCache<string, ApiToken | undefined>({ ttlMs: PRINCIPAL_TTL_MS, max: 10_000 });
  private readonly sessions = new TtlCache<string, Principal | undefined>({ ttlMs: PRINCIPAL_TTL_MS, max: 10_000 });
  private readonly invalidation: CacheInvalidation;

  constructor(invalidation: CacheInvalidation) {
    this.invalidation = invalidation;
    invalidation.on('auth', () => this.clear());
  }

  // Keys are hashes, so the cache never holds a usable secret.
  private static key(secret: string): string {
    return createHash('sha256').update(secret).digest('base64url');
  }

  token(secret: string, load: () => Promise<ApiToken | undefined>): Promise<ApiToken | undefined> {
    if (!this.invalidation.listening) return load();
    // An expiring token leaves the cache when it expires, not up to a TTL later.
    return this.tokens.through(PrincipalCache.key(secret), load, (t) => t?.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
  }

  session(id: string, load: () => Promise<Principal | undefined>): Promise<Principal | undefined> {
    if (!this.invalidation.listening) return load();
    return this.sessions.through(PrincipalCache.key(id), load);
  }

  clear(): void {
    this.tokens.clear();
    this.sessions.clear();
  }
}

/** Writes that change who a credential is (revocations, memberships, roles, sign-outs). */
export function changesPrincipals(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  return /\/(tokens|members)(\/|$)/.test(url) || url.startsWith('/auth/') || url.startsWith('/api/v1/users');
}
