// Routing, grouping and intervals as Alertmanager does them, as a pure function: each alert
// goes down the routes (first match wins unless `continue`), silenced alerts drop out, the
// rest are grouped by the route's group_by labels; a group is sent after group_wait when new,
// after group_interval when it changed, and again every repeat_interval while it fires.
import { matchesAll, type Matcher } from '../../slo/alerts/matchers.ts';

export interface PlanAlert {
  id: number;
  status: 'firing' | 'resolved';
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  resolvedAt: Date | null;
  generatorUrl: string | null;
  fingerprint: string;
  runbookUrl: string | null;
}

export interface Route {
  id: number;
  receiver: string;
  matchers: Matcher[];
  groupBy: string[];
  groupWaitS: number;
  groupIntervalS: number;
  repeatIntervalS: number;
  continue: boolean;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
}

export interface GroupState {
  routeId: number;
  groupKey: string;
  firstSeenAt: Date;
  lastSentAt: Date | null;
  lastDigest: string | null;
}

export interface PlannedNotification {
  routeId: number;
  receiver: string;
  groupKey: string;
  digest: string;
  alerts: PlanAlert[];
  groupLabels: Record<string, string>;
  reason: 'new' | 'changed' | 'repeat';
}

export interface Plan {
  send: PlannedNotification[];
  /** groups seen for the first time (their group_wait starts now) */
  open: { routeId: number; groupKey: string }[];
  /** groups with nothing left to say */
  close: { routeId: number; groupKey: string }[];
}

export const isSilenced = (labels: Record<string, string>, silences: readonly Silence[], now: Date) =>
  silences.some((s) => s.startsAt <= now && s.endsAt > now && matchesAll(s.matchers, labels));

export function routesFor(labels: Record<string, string>, routes: readonly Route[]): Route[] {
  const out: Route[] = [];
  for (const r of routes) {
    if (!matchesAll(r.matchers, labels)) continue;
    out.push(r);
    if (!r.continue) break;
  }
  return out;
}

/** What a group last said: its alerts and their states, so a resolution is told exactly once. */
const digestOf = (alerts: PlanAlert[]) => alerts.map((a) => `${a.id}:${a.status}`).sort().join(',');
const toldFiring = (s: GroupState | undefined, a: PlanAlert) => Boolean(s?.lastDigest?.split(',').includes(`${a.id}:firing`));

export function planNotifications(o: { now: Date; alerts: PlanAlert[]; routes: Route[]; silences: Silence[]; groups: GroupState[] }): Plan {
  const now = o.now.getTime();
  const groups = new Map<string, { route: Route; key: string; labels: Record<string, string>; alerts: PlanAlert[] }>();
  for (const a of o.alerts) {
    if (isSilenced(a.labels, o.silences, o.now)) continue;
    for (const r of routesFor(a.labels, o.routes)) {
      const labels = Object.fromEntries(r.groupBy.map((l) => [l, a.labels[l] ?? '']));
      const key = JSON.stringify(labels);
      const id = `${r.id}|${key}`;
      const g = groups.get(id) ?? { route: r, key, labels, alerts: [] };
      g.alerts.push(a);
      groups.set(id, g);
    }
  }
  const state = new Map(o.groups.map((g) => [`${g.routeId}|${g.groupKey}`, g]));
  const plan: Plan = { send: [], open: [], close: [] };
  for (const [id, g] of groups) {
    const s = state.get(id);
    // Resolved alerts are told once: those the group last told as firing.
    const alerts = g.alerts.filter((a) => a.status === 'firing' || toldFiring(s, a));
    const firing = alerts.some((a) => a.status === 'firing');
    if (!s) {
      if (firing) plan.open.push({ routeId: g.route.id, groupKey: g.key });
      if (firing && g.route.groupWaitS === 0) plan.send.push({ routeId: g.route.id, receiver: g.route.receiver, groupKey: g.key, digest: digestOf(alerts), alerts, groupLabels: g.labels, reason: 'new' });
      continue;
    }
    if (!alerts.length) continue;
    const digest = digestOf(alerts);
    const since = s.lastSentAt ? now - s.lastSentAt.getTime() : Infinity;
    let reason: PlannedNotification['reason'] | null = null;
    if (!s.lastSentAt) reason = now - s.firstSeenAt.getTime() >= g.route.groupWaitS * 1000 ? 'new' : null;
    else if (digest !== s.lastDigest) reason = since >= g.route.groupIntervalS * 1000 ? 'changed' : null;
    else if (firing && since >= g.route.repeatIntervalS * 1000) reason = 'repeat';
    if (reason) plan.send.push({ routeId: g.route.id, receiver: g.route.receiver, groupKey: g.key, digest, alerts, groupLabels: g.labels, reason });
  }
  for (const s of o.groups) {
    const id = `${s.routeId}|${s.groupKey}`;
    const g = groups.get(id);
    const unsent = g?.alerts.some((a) => a.status === 'firing' || toldFiring(s, a));
    if (!unsent) plan.close.push({ routeId: s.routeId, groupKey: s.groupKey });
  }
  return plan;
}

/** The body a webhook receiver gets: Alertmanager's own webhook shape (version 4). */
export function webhookBody(n: PlannedNotification, externalUrl: string) {
  const firing = n.alerts.some((a) => a.status === 'firing');
  const common = (pick: (a: PlanAlert) => Record<string, string>) => {
    const [first, ...rest] = n.alerts.map(pick);
    return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((x) => x[k] === v)));
  };
  return {
    version: '4', groupKey: `${n.routeId}:${n.groupKey}`, truncatedAlerts: 0, status: firing ? 'firing' : 'resolved', receiver: n.receiver,
    groupLabels: n.groupLabels, commonLabels: common((a) => a.labels), commonAnnotations: common((a) => a.annotations), externalURL: externalUrl,
    notification_reason: n.reason,
    alerts: n.alerts.map((a) => ({
      status: a.status, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt?.toISOString() ?? '0001-01-01T00:00:00Z', generatorURL: a.generatorUrl ?? '', fingerprint: a.fingerprint,
    })),
  };
}

export function messageText(n: PlannedNotification): { subject: string; text: string } {
  const firing = n.alerts.filter((a) => a.status === 'firing');
  const subject = `[${firing.length ? `FIRING:${firing.length}` : 'RESOLVED'}] ${Object.values(n.groupLabels).filter(Boolean).join(' ') || n.alerts[0]?.alertname || 'alerts'}`;
  const text = n.alerts.map((a) => [
    `${a.status === 'firing' ? 'FIRING' : 'RESOLVED'} ${a.alertname} ${Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(' ')}`,
    a.annotations.summary ? `  ${a.annotations.summary}` : '',
    a.runbookUrl ? `  runbook: ${a.runbookUrl}` : '',
  ].filter(Boolean).join('\n')).join('\n\n');
  return { subject, text };
}
