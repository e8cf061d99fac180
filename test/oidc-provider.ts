// A real OpenID Provider for tests (oidc-provider, a certified OP, on loopback) and a
// browserless user agent that walks its sign-in: it follows redirects by hand, keeps each
// origin's cookies, and answers the provider's development login and consent forms.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../db/embedded.ts';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** released with the `groups` scope */
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  /** accounts by subject; add to it at any time, the provider looks them up at each sign-in */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export interface TestClient {
  clientId: string;
  /** omitted: a public client, authenticated by PKCE alone */
  clientSecret?: string;
  redirectUri: string;
}

export async function startProvider(clients: TestClient[], opts: { port?: number } = {}): Promise<TestProvider> {
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, TestAccount>();
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret ? { client_secret: c.clientSecret } : { token_endpoint_auth_method: 'none' }),
      redirect_uris: [c.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    // Every client must send a S256 code challenge, confidential ones included.
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    jwks: { keys: [{ ...signing, kid: 'test', use: 'sig', alg: 'RS256' } as never] },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
  };
  const provider = new Provider(issuer, configuration);
  const server = createServer(provider.callback());
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    issuer,
    accounts,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** One origin's cookies, name → value: enough for flows that never scope cookies by path. */
type Jar = Map<string, string>;

let agents = 1;

/**
 * A browser without a window. Each agent connects from an address of its own in 127/8, as
 * distinct users would, so that per-address rate limits on sign-in count each one apart.
 */
export class UserAgent {
  private readonly jars = new Map<string, Jar>();
  readonly address: string;

  constructor() {
    const n = ++agents;
    this.address = `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  /** One request, no redirect followed; sends and keeps the origin's cookies. */
  async fetch(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.jar(target.origin);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await send(target, { method: init.method ?? 'GET', headers, body, localAddress: this.address });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      // Servers clear a cookie by sending it empty with a past expiry.
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar(origin).get(name);
  }

  private jar(origin: string): Jar {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }
}

/** node:http rather than fetch, which cannot choose the local address; answers a standard Response. */
async function send(url: URL, opts: { method: string; headers: Record<string, string>; body?: string; localAddress: string }): Promise<Response> {
  const req = request(url, { method: opts.method, headers: opts.headers, localAddress: opts.localAddress });
  req.end(opts.body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of [value ?? []].flat()) headers.append(name, v);
  }
  const status = res.statusCode ?? 0;
  return new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers });
}

/**
 * Signs `login` in at the provider, starting from `startUrl` (the relying party's login
 * route): follows redirects, fills the login and consent forms (or, with `cancel`, follows
 * the provider's abort link instead), and stops at the first redirect to `callbackPrefix`,
 * returning that callback URL unvisited.
 */
export async function authorize(ua: UserAgent, startUrl: string | URL, login: string, callbackPrefix: string, opts: { cancel?: boolean } = {}): Promise<URL> {
  let url = new URL(startUrl);
  let res = await ua.fetch(url);
  for (let hop = 0; hop < 20; hop++) {
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      if (url.href.startsWith(callbackPrefix)) return url;
      res = await ua.fetch(url);
      continue;
    }
    const page = await res.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (res.status !== 200 || !prompt || !action) {
      throw new Error(`the sign-in stopped at ${url.href} with ${res.status}: ${page.slice(0, 500)}`);
    }
    const abort = /href="([^"]+\/abort)"/.exec(page)?.[1];
    if (opts.cancel && abort) {
      url = new URL(abort, url);
      res = await ua.fetch(url);
      continue;
    }
    url = new URL(action, url);
    res = await ua.fetch(url, { method: 'POST', form: { prompt, login, password: 'any' } });
  }
  throw new Error(`the sign-in did not reach ${callbackPrefix} within 20 hops`);
}
