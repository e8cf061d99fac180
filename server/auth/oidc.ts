// Console sign-in through an OpenID Provider: authorization code flow with PKCE, state and
// nonce, all checked by openid-client. Logins in flight live in PostgreSQL so that any
// replica can finish what another started.
import * as oidc from 'openid-client';
import type { Queryable } from '../../db/pool.ts';
import { ConflictError, ForbiddenError } from '../../tenancy/errors.ts';
import { hashSecret } from '../../tenancy/secrets.ts';
import { upsertOidcUser, type User } from '../../tenancy/users.ts';
import { groupsIn, mapsRoles, platformRoleFor, type RoleMapping } from './platform-role.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  redirectUri: string;
  roles: RoleMapping;
  allowInsecure: boolean;
}

/** The provider cannot be reached, or discovery found no OpenID Provider. Sign-in retries. */
export class ProviderUnavailableError extends Error {
  readonly statusCode = 502;
  readonly expose = true;
}

/** The sign-in was refused: an unknown or replayed callback, or a provider answer that failed a check. */
export class SignInRefusedError extends Error {}

/** openid-client's errors, sorted into the provider being away and the sign-in being refused. */
function classify(err: unknown, issuer: string): Error {
  // Say what the provider said (access_denied when the user cancelled, invalid_grant for a
  // code that does not match this login) rather than the library's generic line.
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) {
    return new SignInRefusedError(`the provider refused: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}; start again`, { cause: err });
  }
  if (err instanceof oidc.ClientError) return new SignInRefusedError(`the provider's answer failed a check: ${err.message}`, { cause: err });
  // fetch rejects with a TypeError when the connection fails.
  if (err instanceof TypeError) return new ProviderUnavailableError(`the OpenID Provider at ${issuer} cannot be reached (${err.message}); try again shortly`, { cause: err });
  return err as Error;
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
      .catch((err: Error) => {
        this.config = undefined;
        throw new ProviderUnavailableError(`the OpenID Provider at ${this.settings.issuer} cannot be reached or gave no valid discovery document (${err.message}); try again shortly`, { cause: err });
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
    if (!rows[0]) throw new SignInRefusedError('this sign-in is unknown or expired; start again');
    const issuer = this.settings.issuer;
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: rows[0].code_verifier,
      expectedState: state,
      expectedNonce: rows[0].nonce,
      idTokenExpected: true,
    }).catch((err: unknown) => { throw classify(err, issuer); });
    const claims = tokens.claims();
    if (!claims) throw new SignInRefusedError('the provider returned no ID token');
    // A conforming provider puts scope claims (email, name) in the ID token only when no
    // access token is issued; with the code flow they come from the UserInfo endpoint,
    // whose answer openid-client checks is about the same subject.
    const profile: Record<string, unknown> = config.serverMetadata().userinfo_endpoint
      ? { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub).catch((err: unknown) => { throw classify(err, issuer); })) }
      : claims;
    // Only an address the provider vouches for may claim an invitation or the admin role:
    // a missing email_verified means the provider does not know. (Some send it as a string.)
    const verified = profile.email_verified === true || profile.email_verified === 'true';
    const email = typeof profile.email === 'string' && verified ? profile.email : undefined;
    const roles = this.settings.roles;
    const user = await upsertOidcUser(db, {
      issuer: claims.iss,
      subject: claims.sub,
      email,
      name: typeof profile.name === 'string' ? profile.name : undefined,
    }, mapsRoles(roles) ? { role: platformRoleFor(roles, email, groupsIn(profile, roles.groupsClaim)) } : undefined).catch((err: unknown) => {
      throw err instanceof ConflictError || err instanceof ForbiddenError ? new SignInRefusedError(err.message, { cause: err }) : err;
    });
    return { user, returnTo: rows[0].return_to };
  }
}
