// Console sign-in through a real OpenID Provider (oidc-provider on loopback), walked by a
// browserless user agent over real HTTP: authorization code flow with PKCE, state and nonce.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../db/embedded.ts';
import { bearer, buildTestApp, type TestApp } from '../helper.ts';
import { UserAgent, authorize, startProvider } from '../oidc-provider.ts';
import { PLATFORM_ROLE_PERMISSIONS } from '../../server/auth/roles.ts';

/** Pilothouse on a port picked first: PUBLIC_URL, hence the redirect URI, has to name it. */
async function startPilothouse(port: number, env: Record<string, string>): Promise<TestApp> {
  const app = await buildTestApp({ env: { OIDC_ALLOW_INSECURE: 'true', PUBLIC_URL: `http://127.0.0.1:${port}`, ...env } });
  await app.app.listen({ port, host: '127.0.0.1' });
  return app;
}

const port = await freePort();
const publicClientPort = await freePort();
const base = `http://127.0.0.1:${port}`;
const callback = `${base}/auth/callback`;
const op = await startProvider([
  { clientId: 'pilothouse', clientSecret: 'a-test-client-secret', redirectUri: callback },
  { clientId: 'pilothouse-public', redirectUri: `http://127.0.0.1:${publicClientPort}/auth/callback` },
]);
after(() => op.close());

const t = await startPilothouse(port, {
  OIDC_ISSUER: op.issuer,
  OIDC_CLIENT_ID: 'pilothouse',
  OIDC_CLIENT_SECRET: 'a-test-client-secret',
  OIDC_ADMIN_EMAILS: 'Root@Example.com, unverified@example.com, second-admin@example.com',
  OIDC_SCOPES: 'openid email profile groups',
  OIDC_ADMIN_GROUPS: 'platform-admins',
  OIDC_SRE_GROUPS: 'platform-sre, oncall',
  OIDC_VIEWER_GROUPS: 'platform-viewers',
});

let n = 0;
/** A new provider account; its subject doubles as the login name on the provider's form. */
function account(claims: { email?: string; email_verified?: boolean; name?: string; groups?: string[] }): string {
  const sub = `user-${++n}`;
  op.accounts.set(sub, claims);
  return sub;
}

/** Walks the provider's sign-in up to (not into) Pilothouse's callback. */
function toCallback(ua: UserAgent, login: string, returnTo?: string, opts: { cancel?: boolean } = {}): Promise<URL> {
  const start = new URL('/auth/login', base);
  if (returnTo !== undefined) start.searchParams.set('returnTo', returnTo);
  return authorize(ua, start, login, callback, opts);
}

/** A full sign-in; returns the callback's response and the session cookie it set. */
async function signIn(login: string, returnTo?: string): Promise<{ res: Response; ua: UserAgent; session?: string }> {
  const ua = new UserAgent();
  const res = await ua.fetch(await toCallback(ua, login, returnTo));
  return { res, ua, session: ua.cookie(base, 'ph_session') };
}

async function me(session: string, at = base) {
  return fetch(`${at}/api/v1/me`, { headers: { cookie: `ph_session=${session}` } });
}

let admin: Promise<{ session: string; csrfToken: string }> | undefined;
/** One signed-in platform admin (by OIDC_ADMIN_EMAILS), shared by the tests that need one. */
function adminSession(): Promise<{ session: string; csrfToken: string }> {
  admin ??= (async () => {
    const { session } = await signIn(account({ email: 'second-admin@example.com', email_verified: true, name: 'Admin Two' }));
    const who = await (await me(session!)).json();
    assert.equal(who.platformRole, 'admin');
    return { session: session!, csrfToken: who.csrfToken };
  })();
  return admin;
}

async function sessionCount(db: TestApp['db']): Promise<number> {
  return (await db.query(`SELECT count(*)::int AS n FROM sessions`)).rows[0].n;
}

test('/auth/info tells the console that OpenID Connect sign-in is on', async () => {
  const res = await fetch(`${base}/auth/info`);
  assert.deepEqual(await res.json(), { oidc: true });
});

test('a full sign-in sets an httpOnly SameSite=Lax session cookie and /api/v1/me returns the user', async () => {
  const sub = account({ email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' });
  const { res, session } = await signIn(sub);
  assert.equal(res.status, 303);
  const set = res.headers.getSetCookie().find((c) => c.startsWith('ph_session='));
  assert.ok(set, 'the callback sets ph_session');
  assert.match(set, /;\s*HttpOnly/i);
  assert.match(set, /;\s*SameSite=Lax/i);
  assert.match(set, /;\s*Path=\//i);
  const who = await me(session!);
  assert.equal(who.status, 200);
  const body = await who.json();
  assert.equal(body.kind, 'user');
  assert.equal(body.name, 'Ada Lovelace');
  assert.equal(body.platformRole, null);
  assert.deepEqual(body.tenants, []);
  const { rows } = await t.db.query(`SELECT email, oidc_issuer, oidc_subject FROM users WHERE id = $1`, [body.id]);
  assert.deepEqual(rows[0], { email: 'ada@example.com', oidc_issuer: op.issuer, oidc_subject: sub });
});

test('signing in again is the same user, matched by subject even after the e-mail changed', async () => {
  const sub = account({ email: 'grace@example.com', email_verified: true, name: 'Grace' });
  const first = await (await me((await signIn(sub)).session!)).json();
  op.accounts.set(sub, { email: 'grace.hopper@example.com', email_verified: true, name: 'Grace Hopper' });
  const second = await (await me((await signIn(sub)).session!)).json();
  assert.equal(second.id, first.id);
  assert.equal(second.name, 'Grace Hopper');
});

test('an e-mail listed in OIDC_ADMIN_EMAILS, in any case, becomes platform admin', async () => {
  const sub = account({ email: 'root@example.COM', email_verified: true, name: 'Root' });
  const { session } = await signIn(sub);
  const body = await (await me(session!)).json();
  assert.equal(body.platformRole, 'admin');
  assert.ok(body.platformPermissions.includes('tenants:create'));
});

test('platform roles follow the provider\'s groups at every sign-in: joining grants, leaving takes away', async () => {
  const sub = account({ email: 'sre@example.com', email_verified: true, name: 'On Call', groups: ['engineering', 'oncall'] });
  const first = await (await me((await signIn(sub)).session!)).json();
  assert.equal(first.platformRole, 'sre');
  assert.deepEqual([...first.platformPermissions].sort(), [...PLATFORM_ROLE_PERMISSIONS.sre].sort());
  op.accounts.set(sub, { email: 'sre@example.com', email_verified: true, name: 'On Call', groups: ['engineering'] });
  const after = await (await me((await signIn(sub)).session!)).json();
  assert.equal(after.id, first.id);
  assert.equal(after.platformRole, null);
  assert.deepEqual(after.platformPermissions, []);
});

test('the highest role among the user\'s groups wins', async () => {
  const sub = account({ email: 'lead@example.com', email_verified: true, groups: ['platform-viewers', 'platform-admins'] });
  assert.equal((await (await me((await signIn(sub)).session!)).json()).platformRole, 'admin');
});

test('an unverified e-mail neither claims an invitation nor the admin role', async () => {
  const tenant = await t.tenant();
  const admin = await t.token('admin');
  await fetch(`${base}/api/v1/tenants/${tenant.id}/members`, {
    method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'unverified@example.com', role: 'owner' }),
  });
  // A provider that does not say the address is verified: the claim may be anyone's.
  const sub = account({ email: 'unverified@example.com', name: 'Impostor' });
  const body = await (await me((await signIn(sub)).session!)).json();
  assert.equal(body.platformRole, null);
  assert.deepEqual(body.tenants, []);
});

test('an invited member claims the membership at first sign-in and sees only that tenant', async () => {
  const mine = await t.tenant();
  const other = await t.tenant();
  const admin = await t.token('admin');
  const invited = await fetch(`${base}/api/v1/tenants/${mine.id}/members`, {
    method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'linus@example.com', role: 'member' }),
  });
  assert.equal(invited.status, 201);
  const sub = account({ email: 'Linus@Example.com', email_verified: true, name: 'Linus' });
  const { session } = await signIn(sub);
  const body = await (await me(session!)).json();
  assert.equal(body.id, (await invited.json()).userId);
  assert.deepEqual(body.tenants.map((x: { id: string; role: string }) => [x.id, x.role]), [[mine.id, 'member']]);
  const cookie = { cookie: `ph_session=${session}` };
  const list = await (await fetch(`${base}/api/v1/tenants`, { headers: cookie })).json();
  assert.deepEqual(list.map((x: { id: string }) => x.id), [mine.id]);
  assert.equal((await fetch(`${base}/api/v1/tenants/${other.id}`, { headers: cookie })).status, 404);
});

test('a callback with a state no sign-in started is refused with 401 and no session', async () => {
  const sub = account({ email: 'mallory@example.com', email_verified: true });
  const ua = new UserAgent();
  const url = await toCallback(ua, sub);
  url.searchParams.set('state', 'a-state-nobody-issued');
  const before = await sessionCount(t.db);
  const res = await ua.fetch(url);
  assert.equal(res.status, 401);
  assert.match((await res.json()).message, /unknown or expired/);
  assert.equal(res.headers.getSetCookie().some((c) => c.startsWith('ph_session=')), false);
  assert.equal(await sessionCount(t.db), before);
});

test('a callback replayed after a successful sign-in is refused with 401 and no session', async () => {
  const sub = account({ email: 'replay@example.com', email_verified: true });
  const ua = new UserAgent();
  const url = await toCallback(ua, sub);
  assert.equal((await ua.fetch(url)).status, 303);
  const before = await sessionCount(t.db);
  const replay = await new UserAgent().fetch(url);
  assert.equal(replay.status, 401);
  assert.equal(replay.headers.getSetCookie().some((c) => c.startsWith('ph_session=')), false);
  assert.equal(await sessionCount(t.db), before);
});

test('a code from one sign-in cannot finish another: PKCE binds it to the login that started it', async () => {
  const victim = account({ email: 'victim@example.com', email_verified: true });
  const attacker = account({ email: 'attacker@example.com', email_verified: true });
  const started = await toCallback(new UserAgent(), victim);
  const stolen = await toCallback(new UserAgent(), attacker);
  // The victim's state and verifier, the attacker's code (a login-CSRF / code-injection try).
  started.searchParams.set('code', stolen.searchParams.get('code')!);
  const before = await sessionCount(t.db);
  const res = await new UserAgent().fetch(started);
  assert.equal(res.status, 401);
  assert.match((await res.json()).message, /provider refused: invalid_grant/);
  assert.equal(await sessionCount(t.db), before);
});

test('a sign-in cancelled at the provider is refused with 401 naming the provider\'s answer', async () => {
  const sub = account({ email: 'shy@example.com', email_verified: true });
  const ua = new UserAgent();
  const url = await toCallback(ua, sub, undefined, { cancel: true });
  assert.equal(url.searchParams.get('error'), 'access_denied');
  const res = await ua.fetch(url);
  assert.equal(res.status, 401);
  assert.match((await res.json()).message, /provider refused: access_denied/);
  assert.equal(ua.cookie(base, 'ph_session'), undefined);
});

test('a second identity with an e-mail another user holds is refused with a message saying so', async () => {
  const first = account({ email: 'shared@example.com', email_verified: true, name: 'First' });
  const firstUser = await (await me((await signIn(first)).session!)).json();
  const second = account({ email: 'SHARED@example.com', email_verified: true, name: 'Second' });
  const { res, session } = await signIn(second);
  assert.equal(res.status, 401);
  assert.match((await res.json()).message, /shared@example\.com already belongs to another Pilothouse user/i);
  assert.equal(session, undefined);
  const { rows } = await t.db.query(`SELECT id, display_name FROM users WHERE lower(email) = 'shared@example.com'`);
  assert.deepEqual(rows, [{ id: firstUser.id, display_name: 'First' }]);
});

test('a disabled user is refused at the callback and gets no session, and their record is not touched', async () => {
  const sub = account({ email: 'leaver@example.com', email_verified: true, name: 'Leaver' });
  const user = await (await me((await signIn(sub)).session!)).json();
  await t.db.query(`UPDATE users SET disabled_at = now(), last_login_at = '2026-01-01' WHERE id = $1`, [user.id]);
  const { res, session } = await signIn(sub);
  assert.equal(res.status, 401);
  assert.match((await res.json()).message, /account is disabled; ask an administrator/);
  assert.equal(session, undefined);
  const { rows } = await t.db.query(`SELECT last_login_at FROM users WHERE id = $1`, [user.id]);
  assert.equal(rows[0].last_login_at.toISOString(), '2026-01-01T00:00:00.000Z');
});

test('sign-in is rate limited per client address with 429', async () => {
  const noisy = new UserAgent();
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++) statuses.push((await noisy.fetch(`${base}/auth/login`)).status);
  assert.deepEqual(statuses, [...Array(20).fill(302), 429]);
  // Someone else, from another address, is not held back by the noisy one.
  assert.equal((await new UserAgent().fetch(`${base}/auth/login`)).status, 302);
});

test('returnTo keeps a same-site path and sends anything else to /', async () => {
  const sub = account({ email: 'nav@example.com', email_verified: true });
  const cases: [string, string][] = [
    ['/workspaces?state=running#top', '/workspaces?state=running#top'],
    ['//evil.example/phish', '/'],
    ['/\\evil.example/phish', '/'],
    ['/\t/evil.example/phish', '/'],
    ['/..//evil.example/phish', '/'],
    ['/tenants/日本', '/tenants/%E6%97%A5%E6%9C%AC'],
    ['https://evil.example/phish', '/'],
  ];
  for (const [returnTo, expected] of cases) {
    const { res } = await signIn(sub, returnTo);
    assert.equal(res.status, 303, returnTo);
    // Resolved as a browser would: WHATWG URL parsing drops tabs and reads \ as /.
    const landed = new URL(res.headers.get('location')!, base);
    assert.equal(landed.origin, base, `returnTo ${JSON.stringify(returnTo)} left the site`);
    assert.equal(landed.href.slice(base.length), expected, JSON.stringify(returnTo));
  }
});

test('with a session cookie, a state-changing request needs the x-csrf-token header', async () => {
  const { session, csrfToken } = await adminSession();
  const send = (name: string, headers: Record<string, string>) => fetch(`${base}/api/v1/tenants`, {
    method: 'POST',
    headers: { cookie: `ph_session=${session}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name }),
  });
  const without = await send('csrf-none', {});
  assert.equal(without.status, 403);
  assert.match((await without.json()).message, /x-csrf-token/);
  assert.equal((await send('csrf-wrong', { 'x-csrf-token': 'not-the-token' })).status, 403);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM tenants WHERE name LIKE 'csrf-%'`);
  assert.equal(rows[0].n, 0);
  assert.equal((await send('csrf-right', { 'x-csrf-token': csrfToken })).status, 201);
});

test('a state-changing request from another origin is refused even with the CSRF token', async () => {
  const { session, csrfToken } = await adminSession();
  const res = await fetch(`${base}/api/v1/tenants`, {
    method: 'POST',
    headers: { cookie: `ph_session=${session}`, 'content-type': 'application/json', 'x-csrf-token': csrfToken, origin: 'https://evil.example' },
    body: JSON.stringify({ name: 'cross-origin' }),
  });
  assert.equal(res.status, 403);
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM tenants WHERE name = 'cross-origin'`);
  assert.equal(rows[0].n, 0);
});

test('signing out ends the session', async () => {
  const sub = account({ email: 'bye@example.com', email_verified: true });
  const { session } = await signIn(sub);
  const out = await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie: `ph_session=${session}` } });
  assert.equal(out.status, 204);
  assert.equal((await me(session!)).status, 401);
});

test('a public client (no secret) signs in with PKCE alone', async () => {
  const at = `http://127.0.0.1:${publicClientPort}`;
  await startPilothouse(publicClientPort, { OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: 'pilothouse-public' });
  const sub = account({ email: 'public@example.com', email_verified: true, name: 'Pat Public' });
  const ua = new UserAgent();
  const res = await ua.fetch(await authorize(ua, `${at}/auth/login`, sub, `${at}/auth/callback`));
  assert.equal(res.status, 303);
  const body = await (await me(ua.cookie(at, 'ph_session')!, at)).json();
  assert.equal(body.name, 'Pat Public');
});

test('a provider down at the first sign-in is a 502 saying so, and the next sign-in after it is back works', async () => {
  const [opPort, appPort] = [await freePort(), await freePort()];
  const at = `http://127.0.0.1:${appPort}`;
  await startPilothouse(appPort, { OIDC_ISSUER: `http://127.0.0.1:${opPort}`, OIDC_CLIENT_ID: 'late', OIDC_CLIENT_SECRET: 'a-late-secret' });
  const down = await new UserAgent().fetch(`${at}/auth/login`);
  assert.equal(down.status, 502);
  assert.match((await down.json()).message, new RegExp(`OpenID Provider at http://127\\.0\\.0\\.1:${opPort} cannot be reached`));
  const late = await startProvider([{ clientId: 'late', clientSecret: 'a-late-secret', redirectUri: `${at}/auth/callback` }], { port: opPort });
  after(() => late.close());
  late.accounts.set('late-user', { email: 'late@example.com', email_verified: true });
  const ua = new UserAgent();
  const res = await ua.fetch(await authorize(ua, `${at}/auth/login`, 'late-user', `${at}/auth/callback`));
  assert.equal(res.status, 303);
  assert.equal((await me(ua.cookie(at, 'ph_session')!, at)).status, 200);
});
