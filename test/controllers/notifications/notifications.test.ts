// Notifications out, against real receivers on loopback: an HTTP webhook that checks the
// HMAC signature, Slack's client posting to a local endpoint, and an SMTP server
// (smtp-server) receiving nodemailer's mail. Grouping, silences, retries with backoff and the
// delivery log, on an injected clock; and a restart of Pilothouse between alert and delivery.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { bearer, buildTestApp } from '../../helper.ts';
import { startPilothouse } from '../../process.ts';
import { eventually } from '../../eventually.ts';
import { alertmanagerPayload } from '../remediation/fixtures.ts';
import { deliverOnce, planOnce, backoffMs } from '../../../controllers/notifications/outbox.ts';
import { secretsKey } from '../../../controllers/notifications/secrets.ts';

const KEY = randomBytes(32).toString('base64');
const t = await buildTestApp({ env: { PILOTHOUSE_SECRETS_KEY: KEY } });
const admin = await t.token('admin');
const alertsToken = await t.token('alerts' as never);
const opts = { db: t.db, key: secretsKey(KEY), externalUrl: 'http://pilothouse.test' };

interface Received { headers: http.IncomingHttpHeaders; body: string }
async function receiver(status: () => number) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => { got.push({ headers: req.headers, body }); res.writeHead(status()).end('ok'); });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  after(() => { server.closeAllConnections(); server.close(); });
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

const mails: { to: string[]; data: string; user?: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true, disabledCommands: ['STARTTLS'], allowInsecureAuth: true,
  // The sealed password is opened for the login: a wrong one is refused.
  onAuth(auth, _session, done) {
    if (auth.username === 'ph' && auth.password === 'smtp-password') done(null, { user: auth.username });
    else done(new Error('Invalid username or password'));
  },
  onData(stream, session, done) {
    let data = '';
    stream.on('data', (d) => (data += d));
    stream.on('end', () => { mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data, user: String(session.user ?? '') }); done(); });
  },
});
await new Promise<void>((ok) => smtp.listen(0, '127.0.0.1', ok));
after(() => smtp.close());
const smtpPort = (smtp.server.address() as AddressInfo).port;

const api = (method: string, url: string, payload?: object) => t.app.inject({ method: method as never, url, headers: bearer(admin), payload });
const send = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/alerts/alertmanager', headers: bearer(alertsToken), payload });

let status = 200;
const hook = await receiver(() => status);
const slack = await receiver(() => 200);
const SECRET = 'a-long-webhook-signing-secret';

test('receivers keep their secrets sealed: the API never returns them and the database holds ciphertext', async () => {
  assert.equal((await api('PUT', '/api/v1/notifications/receivers/oncall-hook', { kind: 'webhook', url: hook.url, secret: SECRET })).statusCode, 200);
  assert.equal((await api('PUT', '/api/v1/notifications/receivers/slack', { kind: 'slack', webhookUrl: slack.url })).statusCode, 200);
  const mail = await api('PUT', '/api/v1/notifications/receivers/mail', { kind: 'email', host: '127.0.0.1', port: smtpPort, from: 'pilothouse@example.com', to: ['oncall@example.com'], user: 'ph', password: 'smtp-password' });
  assert.equal(mail.statusCode, 200, mail.body);
  const listed = (await api('GET', '/api/v1/notifications/receivers')).body;
  for (const s of [SECRET, slack.url, 'smtp-password']) assert.ok(!listed.includes(s), `${s} is not returned`);
  const raw = (await t.db.query(`SELECT string_agg(encode(secret, 'escape'), '') AS s FROM notification_receivers`)).rows[0].s as string;
  assert.ok(!raw.includes(SECRET) && !raw.includes('smtp-password'));
  const routes = await api('PUT', '/api/v1/notifications/routes', { items: [
    { receiver: 'oncall-hook', matchers: ['severity="page"'], groupBy: ['alertname'], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 3600, continue: true },
    { receiver: 'slack', matchers: ['severity="page"'], groupBy: ['alertname'], groupWaitSeconds: 30, continue: true },
    { receiver: 'mail', matchers: ['severity=~"page|ticket"'], groupBy: ['alertname'], groupWaitSeconds: 30 },
  ] });
  assert.equal(routes.statusCode, 200, routes.body);
  assert.equal((await api('PUT', '/api/v1/notifications/routes', { items: [{ receiver: 'nobody', matchers: [] }] })).statusCode, 400);
});

test('two alerts of one group are sent together after group_wait, signed; repeats wait for repeat_interval', async () => {
  const t0 = new Date();
  const startsAt = new Date(t0.getTime() - 60_000).toISOString();
  await send(alertmanagerPayload([
    { labels: { alertname: 'ApiDown', severity: 'page', instance: 'a' }, annotations: { summary: 'API a is down', runbook_url: 'https://rb/api-down' }, startsAt, fingerprint: 'g1' },
    { labels: { alertname: 'ApiDown', severity: 'page', instance: 'b' }, startsAt, fingerprint: 'g2' },
  ]));
  assert.equal(await planOnce(opts, t0), 0, 'group_wait starts');
  assert.equal(await planOnce(opts, new Date(t0.getTime() + 29_000)), 0);
  assert.equal(await planOnce(opts, new Date(t0.getTime() + 31_000)), 3, 'one notification per receiver');
  const sent = await deliverOnce(opts, new Date(t0.getTime() + 31_000));
  assert.equal(sent.filter((s) => s.ok).length, 3);
  assert.equal(hook.got.length, 1);
  const body = JSON.parse(hook.got[0]!.body);
  assert.equal(body.version, '4');
  assert.equal(body.alerts.length, 2);
  assert.deepEqual(body.groupLabels, { alertname: 'ApiDown' });
  assert.equal(hook.got[0]!.headers['x-pilothouse-signature'], `sha256=${createHmac('sha256', SECRET).update(hook.got[0]!.body).digest('hex')}`);
  assert.match(JSON.parse(slack.got[0]!.body).text, /FIRING:2/);
  await eventually('mail received', async () => mails.length === 1);
  assert.deepEqual(mails[0]!.to, ['oncall@example.com']);
  assert.equal(mails[0]!.user, 'ph', 'signed in with the sealed password');
  assert.match(mails[0]!.data, /Subject: \[FIRING:2\] ApiDown/);
  assert.match(mails[0]!.data, /runbook: https:\/\/rb\/api-down/);

  assert.equal(await planOnce(opts, new Date(t0.getTime() + 600_000)), 0, 'unchanged: nothing before repeat_interval');
  assert.equal(await planOnce(opts, new Date(t0.getTime() + 31_000 + 3_600_000)), 1, 'the webhook route repeats after its hour');
  // resolved: told once, after group_interval
  await send(alertmanagerPayload([{ labels: { alertname: 'ApiDown', severity: 'page', instance: 'a' }, startsAt, fingerprint: 'g1', status: 'resolved' }, { labels: { alertname: 'ApiDown', severity: 'page', instance: 'b' }, startsAt, fingerprint: 'g2', status: 'resolved' }]));
  assert.ok(await planOnce(opts, new Date(t0.getTime() + 2 * 3_600_000)) >= 1);
  await deliverOnce(opts, new Date(t0.getTime() + 2 * 3_600_000));
  const last = JSON.parse(hook.got.at(-1)!.body);
  assert.equal(last.status, 'resolved');
  assert.equal(await planOnce(opts, new Date(t0.getTime() + 5 * 3_600_000)), 0, 'nothing more to say');
});

test('a silence with an end and a reason keeps matching alerts quiet until it ends', async () => {
  const t0 = new Date();
  const bad = await api('POST', '/api/v1/notifications/silences', { matchers: ['alertname="Noisy"'], endsAt: new Date(t0.getTime() - 1000).toISOString(), reason: 'maintenance' });
  assert.equal(bad.statusCode, 400);
  const s = await api('POST', '/api/v1/notifications/silences', { matchers: ['alertname="Noisy"'], endsAt: new Date(t0.getTime() + 3_600_000).toISOString(), reason: 'planned maintenance' });
  assert.equal(s.statusCode, 201, s.body);
  await send(alertmanagerPayload([{ labels: { alertname: 'Noisy', severity: 'ticket' }, startsAt: new Date(t0.getTime() - 1000).toISOString(), fingerprint: 'n1' }]));
  const queued = async () => (await t.db.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE payload->>'subject' LIKE '%Noisy%'`)).rows[0].n;
  await planOnce(opts, t0);
  await planOnce(opts, new Date(t0.getTime() + 60_000));
  assert.equal(await queued(), 0, 'silenced');
  await planOnce(opts, new Date(t0.getTime() + 3_601_000));
  await planOnce(opts, new Date(t0.getTime() + 3_700_000));
  assert.equal(await queued(), 1, 'after the silence ends it is sent');
});

test('a failing receiver is retried with backoff, each attempt recorded, until it accepts', async () => {
  status = 503;
  const t0 = new Date();
  await send(alertmanagerPayload([{ labels: { alertname: 'DiskFull', severity: 'page' }, startsAt: new Date(t0.getTime() - 1000).toISOString(), fingerprint: 'd1' }]));
  await planOnce(opts, t0);
  await planOnce(opts, new Date(t0.getTime() + 31_000));
  const attempts = async () => (await t.db.query(`SELECT o.attempts FROM notification_outbox o WHERE o.receiver = 'oncall-hook' AND o.payload->>'subject' LIKE '%DiskFull%'`)).rows[0]?.attempts;
  await deliverOnce(opts, new Date(t0.getTime() + 31_000));
  assert.equal(await attempts(), 1);
  await deliverOnce(opts, new Date(t0.getTime() + 31_500));
  assert.equal(await attempts(), 1, 'not again before the backoff');
  status = 200;
  await deliverOnce(opts, new Date(t0.getTime() + 31_000 + backoffMs(1)));
  assert.equal(await attempts(), 2);
  const { rows } = await t.db.query(`SELECT d.attempt, d.ok, d.status_code FROM notification_deliveries d JOIN notification_outbox o ON o.id = d.outbox_id WHERE o.receiver = 'oncall-hook' AND o.payload->>'subject' LIKE '%DiskFull%' ORDER BY d.id`);
  assert.deepEqual(rows.map((r) => [r.attempt, r.ok, r.status_code]), [[1, false, 503], [2, true, 200]]);
});

test('a notification survives a restart of Pilothouse between the alert and its delivery', async () => {
  let up = false;
  const r = await receiver(() => (up ? 200 : 503));
  await api('PUT', '/api/v1/notifications/receivers/restart-hook', { kind: 'webhook', url: r.url, secret: SECRET });
  await api('PUT', '/api/v1/notifications/routes', { items: [{ receiver: 'restart-hook', matchers: ['alertname="RestartDrill"'], groupWaitSeconds: 0 }] });
  const env = { ...process.env, DATABASE_URL: t.dbUrl, PORT: '0', LOG_LEVEL: 'warn', PILOTHOUSE_DEMO: 'off', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_SECRETS_KEY: KEY, PILOTHOUSE_CONTROLLERS: 'off' };
  const first = await startPilothouse(env);
  const res = await fetch(`${first.base}/api/v1/alerts/alertmanager`, { method: 'POST', headers: { ...bearer(alertsToken), 'content-type': 'application/json' }, body: JSON.stringify(alertmanagerPayload([{ labels: { alertname: 'RestartDrill', severity: 'page' }, startsAt: new Date().toISOString(), fingerprint: 'r1' }])) });
  assert.equal(res.status, 200);
  await eventually('a first attempt refused', async () => r.got.length >= 1, 20_000);
  await first.stop('SIGKILL');
  up = true;
  const pending = (await t.db.query(`SELECT status FROM notification_outbox WHERE receiver = 'restart-hook'`)).rows;
  assert.deepEqual(pending.map((p) => p.status), ['pending']);
  const second = await startPilothouse(env);
  after(() => second.stop());
  await eventually('delivered by the restarted process', async () => (await t.db.query(`SELECT status FROM notification_outbox WHERE receiver = 'restart-hook'`)).rows[0]?.status === 'delivered', 30_000);
  const body = JSON.parse(r.got.at(-1)!.body);
  assert.equal(body.alerts[0].labels.alertname, 'RestartDrill');
});
