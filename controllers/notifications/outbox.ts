// The notification loop over PostgreSQL: plan (routes × silences × alert groups) writes
// outbox rows and group state in one transaction; deliver claims due rows (SKIP LOCKED, so
// replicas never send one row at once), sends, records every attempt, and backs off
// exponentially on failure. A row is deleted from nobody's memory: a restart between the
// alert and its delivery simply finds it still pending.
import type { Db, Queryable } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { alertsSeenSince } from '../../slo/alerts/store.ts';
import type { Matcher } from '../../slo/alerts/matchers.ts';
import { deliver, type Message } from './receivers.ts';
import { messageText, planNotifications, routesFor, webhookBody, type GroupState, type Route, type Silence } from './plan.ts';

export const MAX_ATTEMPTS = 12;
export const MIN_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 10 * 60_000;

/** 1 s, 2 s, 4 s … capped at 10 min. */
export const backoffMs = (attempts: number) => Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));

export async function loadRoutes(db: Queryable): Promise<Route[]> {
  const { rows } = await db.query(`SELECT id::int, receiver, matchers, group_by AS "groupBy", group_wait_s AS "groupWaitS", group_interval_s AS "groupIntervalS",
    repeat_interval_s AS "repeatIntervalS", continue FROM notification_routes ORDER BY position, id`);
  return rows;
}

export async function activeSilences(db: Queryable, now: Date): Promise<Silence[]> {
  const { rows } = await db.query(`SELECT id, matchers, starts_at AS "startsAt", ends_at AS "endsAt" FROM silences WHERE ends_at > $1`, [now]);
  return rows;
}

export interface NewRoute {
  receiver: string;
  matchers: Matcher[];
  groupBy?: string[];
  groupWaitS?: number;
  groupIntervalS?: number;
  repeatIntervalS?: number;
  continue?: boolean;
}

/** Replaces the routing tree (a list in order) at once. */
export async function replaceRoutes(db: Db, routes: NewRoute[]): Promise<Route[]> {
  await withTransaction(db, async (c) => {
    await c.query('DELETE FROM notification_routes');
    for (const [i, r] of routes.entries()) {
      await c.query(`INSERT INTO notification_routes (position, receiver, matchers, group_by, group_wait_s, group_interval_s, repeat_interval_s, continue)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [i, r.receiver, JSON.stringify(r.matchers), r.groupBy ?? ['alertname'], r.groupWaitS ?? 30, r.groupIntervalS ?? 300, r.repeatIntervalS ?? 14_400, r.continue ?? false]);
    }
  });
  return loadRoutes(db);
}

export async function addSilence(db: Queryable, s: { matchers: Matcher[]; startsAt?: Date; endsAt: Date; reason: string; createdBy: string }): Promise<{ id: string }> {
  const { rows } = await db.query(`INSERT INTO silences (matchers, starts_at, ends_at, reason, created_by) VALUES ($1, COALESCE($2, now()), $3, $4, $5) RETURNING id`,
    [JSON.stringify(s.matchers), s.startsAt ?? null, s.endsAt, s.reason, s.createdBy]);
  return rows[0];
}

export interface NotifierOptions {
  db: Db;
  key?: Buffer;
  externalUrl: string;
}

/** One planning pass; returns how many notifications were queued. */
export async function planOnce(o: NotifierOptions, now: Date): Promise<number> {
  return withTransaction(o.db, async (c) => {
    // One planner at a time across replicas; the other skips this pass.
    const { rows: [lock] } = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('pilothouse.notifications.plan')) AS ok`);
    if (!lock?.ok) return 0;
    const routes = await loadRoutes(c);
    if (!routes.length) return 0;
    const groups = (await c.query<GroupState>(`SELECT route_id::int AS "routeId", group_key AS "groupKey", first_seen_at AS "firstSeenAt", last_sent_at AS "lastSentAt", last_digest AS "lastDigest" FROM notification_groups`)).rows;
    const oldest = groups.reduce((m, g) => Math.min(m, (g.lastSentAt ?? g.firstSeenAt).getTime()), now.getTime() - 3_600_000);
    // Alerts a group last told as firing are read whatever their age: their resolution is due.
    const told = groups.flatMap((g) => (g.lastDigest ?? '').split(',').filter((x) => x.endsWith(':firing')).map((x) => Number(x.split(':')[0])));
    const alerts = await alertsSeenSince(c, new Date(oldest), told);
    const plan = planNotifications({ now, alerts, routes, silences: await activeSilences(c, now), groups });
    for (const g of plan.open) {
      await c.query(`INSERT INTO notification_groups (route_id, group_key, first_seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [g.routeId, g.groupKey, now]);
    }
    for (const n of plan.send) {
      const { subject, text } = messageText(n);
      const message: Message = { subject, text, body: webhookBody(n, o.externalUrl) };
      await c.query(`INSERT INTO notification_outbox (receiver, group_key, payload, next_attempt_at) VALUES ($1, $2, $3, $4)`, [n.receiver, `${n.routeId}:${n.groupKey}`, message, now]);
      await c.query(`INSERT INTO notification_groups (route_id, group_key, first_seen_at, last_sent_at, last_digest) VALUES ($1, $2, $3, $3, $4)
        ON CONFLICT (route_id, group_key) DO UPDATE SET last_sent_at = $3, last_digest = $4`, [n.routeId, n.groupKey, now, n.digest]);
    }
    for (const g of plan.close) {
      if (!plan.send.some((n) => n.routeId === g.routeId && n.groupKey === g.groupKey)) await c.query(`DELETE FROM notification_groups WHERE route_id = $1 AND group_key = $2`, [g.routeId, g.groupKey]);
    }
    return plan.send.length;
  });
}

/** A message that is not an alert group (remediation news): to every route its labels match. */
export async function enqueueMessage(db: Queryable, subject: string, text: string, labels: Record<string, string>, now = new Date()): Promise<number> {
  const routes = routesFor(labels, await loadRoutes(db));
  for (const r of routes) {
    await db.query(`INSERT INTO notification_outbox (receiver, group_key, payload, next_attempt_at) VALUES ($1, $2, $3, $4)`,
      [r.receiver, `message:${subject}`, { subject, text, body: { version: '4', status: 'firing', receiver: r.receiver, groupKey: `message:${subject}`, commonLabels: labels, alerts: [], message: { subject, text } } }, now]);
  }
  return routes.length;
}

/** Sends what is due; returns the outcomes, one per attempt. */
export async function deliverOnce(o: NotifierOptions, now: Date, batch = 20): Promise<{ id: number; ok: boolean }[]> {
  const out: { id: number; ok: boolean }[] = [];
  for (let i = 0; i < batch; i++) {
    const done = await withTransaction(o.db, async (c) => {
      const { rows } = await c.query<{ id: number; receiver: string; payload: Message; attempts: number }>(
        `SELECT id::int, receiver, payload, attempts FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`, [now]);
      const row = rows[0];
      if (!row) return null;
      const started = performance.now();
      const r = await deliver(c, o.key, row.receiver, row.payload);
      const attempt = row.attempts + 1;
      await c.query(`INSERT INTO notification_deliveries (outbox_id, attempt, ok, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
        [row.id, attempt, r.ok, r.statusCode ?? null, r.error ?? null, Math.round(performance.now() - started)]);
      if (r.ok) await c.query(`UPDATE notification_outbox SET status = 'delivered', attempts = $2, delivered_at = clock_timestamp(), last_error = NULL WHERE id = $1`, [row.id, attempt]);
      else await c.query(`UPDATE notification_outbox SET status = $3, attempts = $2, last_error = $4, next_attempt_at = $5 WHERE id = $1`,
        [row.id, attempt, attempt >= MAX_ATTEMPTS ? 'failed' : 'pending', r.error ?? null, new Date(now.getTime() + backoffMs(attempt))]);
      return { id: row.id, ok: r.ok };
    });
    if (!done) break;
    out.push(done);
  }
  return out;
}

/** The loop in a server process: plan and deliver every `intervalMs`. */
export function startNotifier(o: NotifierOptions & { intervalMs?: number; log?: (msg: string, f?: object) => void }): { wake(): void; stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = () => {
    if (stopped || running) return;
    running = (async () => {
      try {
        await planOnce(o, new Date());
        await deliverOnce(o, new Date());
      } catch (err) {
        o.log?.('notification pass failed', { error: (err as Error).message });
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(pass, o.intervalMs ?? 1_000);
  timer.unref();
  return { wake: pass, stop: async () => { stopped = true; clearInterval(timer); await running; } };
}
