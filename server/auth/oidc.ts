// Console sign-in through an OpenID Provider: authorization code flow with PKCE, state and
// nonce, all checked by openid-client. Logins in flight live in PostgreSQL so that any
// replica can finish what another started.
import * as oidc from 'openid-client';
import type { Queryable } from '../../db/pool.ts';
import { hashSecret } from '../../tenancy/secrets.ts';
import { upsertOidcUser, type User } from '../../tenancy/users.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  redirectUri: string;
  adminEmails: string[];
  allowInsecure: boolean;
}

export class OidcClient {
  private config?: Promise<oidc.Configuration>;
  private readonly settings: OidcSettings;

  constructor(settings: OidcSettings) {
    this.settings = settings;
  }

  private configuration(): Promise<oidc.Configuration> {
    // Discovery is retried on the next sign-in if the provider was down at the first one.
    this.config ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.settings.clientSecret,
        this.settings.clientSecret ? undefined : oidc.None(),
        this.settings.allowInsecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err) => {
        this.config = undefined;
        throw err;
      });
    return this.config;
  }

  /** The provider URL to send the browser to. */
  async start(db: Queryable, returnTo: string): Promise<URL> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await db.query(`DELETE FROM oidc_logins WHERE expires_at < now()`);
    await db.query(
      `INSERT INTO oidc_logins (state_hash, code_verifier, nonce, return_to, expires_at)
       VALUES ($1, $2, $3, $4, now() + interval '10 minutes')`,
      [hashSecret(state), verifier, nonce, returnTo],
    );
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /** Finishes a sign-in from the callback URL; throws when any check fails. */
  async finish(db: Queryable, callbackUrl: URL): Promise<{ user: User; returnTo: string }> {
    const config = await this.configuration();
    const state = callbackUrl.searchParams.get('state') ?? '';
    const { rows } = await db.query(
      `DELETE FROM oidc_logins WHERE state_hash = $1 AND expires_at > now() RETURNING code_verifier, nonce, return_to`,
      [hashSecret(state)],
    );
    if (!rows[0]) throw new Error('this sign-in is unknown or expired; start again');
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: rows[0].code_verifier,
      expectedState: state,
      expectedNonce: rows[0].nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider returned no ID token');
    const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : undefined;
    const user = await upsertOidcUser(db, {
      issuer: claims.iss,
      subject: claims.sub,
      email,
      name: typeof claims.name === 'string' ? claims.name : undefined,
    }, email !== undefined && this.settings.adminEmails.includes(email.toLowerCase()));
    return { user, returnTo: rows[0].return_to };
  }
}
