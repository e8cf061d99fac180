// Configuration from environment variables, validated once at start: a wrong value stops
// the process with a message naming the variable and what it accepts.
import { join, resolve } from 'node:path';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';

const Url = (description: string) => Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description }));

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'a TCP port from 0 to 65535 (0 picks a free one)' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'the address to listen on, such as 127.0.0.1 or 0.0.0.0' }),
  PUBLIC_URL: Url('the URL users reach Pilothouse at, such as https://pilothouse.example.com (default: http://HOST:PORT)'),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// connection URL; unset, Pilothouse runs an embedded PostgreSQL' })),
  PILOTHOUSE_DATA_DIR: Type.String({ minLength: 1, default: '.pilothouse', description: 'a folder for the embedded PostgreSQL data and local state' }),
  PILOTHOUSE_BACKUP_DIR: Type.Optional(Type.String({ minLength: 1, description: 'a folder (or mounted volume) for the embedded PostgreSQL\'s base backups and archived WAL (default: PILOTHOUSE_DATA_DIR/backups)' })),
  PILOTHOUSE_WAL_ARCHIVE: Type.Boolean({ default: true, description: 'true or false: archive the embedded PostgreSQL\'s WAL continuously into PILOTHOUSE_BACKUP_DIR' }),
  PILOTHOUSE_WAL_ARCHIVE_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60, description: 'seconds after which a WAL segment with any change is archived even if not full (bounds the RPO), 1 to 3600' }),
  PILOTHOUSE_BACKUP_SCHEDULE: Type.String({ default: '0 */6 * * *', pattern: '^(off|\\S+( \\S+){4,5})$', description: 'a cron expression (UTC) for base backups of the embedded PostgreSQL, or off' }),
  PILOTHOUSE_BACKUP_KEEP: Type.Integer({ minimum: 1, maximum: 1000, default: 4, description: 'base backups kept (with the WAL they need), 1 to 1000' }),
  PROMETHEUS_URL: Url('the base URL of a Prometheus server, such as http://127.0.0.1:9090'),
  KUBECONFIG: Type.Optional(Type.String({ minLength: 1, description: 'the path of a kubeconfig file' })),
  // Set by Kubernetes in every pod: without KUBECONFIG, Pilothouse then manages its own cluster.
  KUBERNETES_SERVICE_HOST: Type.Optional(Type.String({ minLength: 1, description: 'the API server host Kubernetes sets in a pod' })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'a bearer token of at least 16 characters guarding /metrics' })),
  OIDC_ISSUER: Url('the OpenID Provider issuer URL, such as https://accounts.example.com'),
  OIDC_CLIENT_ID: Type.Optional(Type.String({ minLength: 1, description: 'the OAuth client id registered at the OpenID Provider' })),
  OIDC_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1, description: 'the OAuth client secret (omit for a public client using PKCE only)' })),
  OIDC_SCOPES: Type.String({ default: 'openid email profile', pattern: '(^|\\s)openid(\\s|$)', description: 'space-separated scopes that include openid' }),
  OIDC_ADMIN_EMAILS: Type.String({ default: '', description: 'comma-separated verified e-mail addresses that get the platform admin role at sign-in' }),
  OIDC_GROUPS_CLAIM: Type.String({ default: 'groups', pattern: '^[A-Za-z0-9_.:/-]+$', description: 'the ID token or UserInfo claim that lists the user\'s groups (add its scope to OIDC_SCOPES if the provider needs one)' }),
  OIDC_ADMIN_GROUPS: Type.String({ default: '', description: 'comma-separated groups whose members get the platform admin role at sign-in' }),
  OIDC_SRE_GROUPS: Type.String({ default: '', description: 'comma-separated groups whose members get the platform sre role at sign-in' }),
  OIDC_VIEWER_GROUPS: Type.String({ default: '', description: 'comma-separated groups whose members get the platform viewer role at sign-in' }),
  OIDC_ALLOW_INSECURE: Type.Boolean({ default: false, description: 'true to allow an http:// issuer (tests and local providers only)' }),
  SESSION_TTL_HOURS: Type.Number({ exclusiveMinimum: 0, maximum: 720, default: 12, description: 'hours a console session lasts, up to 720' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'one of fatal, error, warn, info, debug, trace, silent' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Url('the OTLP/HTTP endpoint base URL; unset, Pilothouse sends its traces to itself'),
  OTLP_FORWARD_ENDPOINT: Url('an OTLP/HTTP backend base URL (Tempo, Jaeger, an OpenTelemetry Collector) that receives every accepted trace export at /v1/traces'),
  OTLP_FORWARD_HEADERS: Type.String({ default: '', pattern: '^([^=,]+=[^,]*)?(,[^=,]+=[^,]*)*$', description: 'comma-separated key=value headers sent with forwarded exports (the OTEL_EXPORTER_OTLP_HEADERS format)' }),
  SPAN_STORAGE: Type.Union([Type.Literal('all'), Type.Literal('none')], { default: 'all', description: 'all or none: keep received spans in PostgreSQL, or only the request rollups the SLOs read (with OTLP_FORWARD_ENDPOINT keeping the spans)' }),
  TELEMETRY_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 400, default: 7, description: 'days of spans and browser events to keep, 1 to 400 (request rollups are kept)' }),
  PILOTHOUSE_SELF_TRACING: Type.Boolean({ default: true, description: 'true or false: trace Pilothouse itself with OpenTelemetry' }),
  PILOTHOUSE_TRACE_SAMPLE_RATIO: Type.Number({ minimum: 0, maximum: 1, default: 0.1, description: 'share of Pilothouse\'s own traces kept, 0 to 1 (traces with an error or a slow request are always kept)' }),
  PILOTHOUSE_TRACE_SLOW_MS: Type.Integer({ minimum: 1, maximum: 600000, default: 200, description: 'a trace whose request took this many milliseconds or more is always kept, 1 to 600000' }),
  USAGE_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'usage ingestion requests processed at once before answering 429, from 1 to 1000' }),
  USAGE_CLOSE_GRACE_DAYS: Type.Integer({ minimum: 0, maximum: 35, default: 3, description: 'days after a month ends before it is closed into immutable usage reports, 0 to 35' }),
  PRICE_CATALOG_FILE: Type.Optional(Type.String({ minLength: 1, description: 'a YAML or JSON price catalogue loaded at start (a new version is added when it differs)' })),
  PILOTHOUSE_DEMO: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], { default: 'auto', description: 'auto, on or off: run the simulated demo fleet (auto: when no KUBECONFIG is set)' }),
  PILOTHOUSE_DEMO_OUTAGE_EVERY_MINUTES: Type.Integer({ minimum: 0, maximum: 1440, default: 15, description: 'minutes between the demo fleet\'s drills that take the active region down for two minutes (the first 2 minutes after start), 0 to turn them off; up to 1440' }),
  PILOTHOUSE_CONTROLLERS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on', description: 'on or off: run the reconcile controllers (workspace lifecycle, idle reaper, quota enforcer) in this process' }),
  PILOTHOUSE_CONTROLLERS_DRY_RUN: Type.Boolean({ default: false, description: 'true or false: controllers record their decisions and apply nothing' }),
  PILOTHOUSE_JOB_INTERVAL_SECONDS: Type.Union([1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60].map((n) => Type.Literal(n)), { default: 60, description: 'seconds between runs of the minute jobs (usage rollups, SLO evaluation, fleet cost): 60, or a divisor of 60 for tests and demos' }),
  WORKSPACE_SNAPSHOT_CLASS: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', description: 'a VolumeSnapshotClass: archiving a workspace snapshots its volume first, and POST …/workspaces/{id}/restore brings it back (unset: the volume is deleted with no copy)' })),
  WORKSPACE_SNAPSHOT_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 30, description: 'days an archived workspace\'s snapshot is kept, 1 to 3650' }),
  PILOTHOUSE_LEASE_TTL_SECONDS: Type.Integer({ minimum: 2, maximum: 300, default: 15, description: 'seconds a controller lease lasts without renewal before another replica may take it, 2 to 300' }),
  PILOTHOUSE_LEASE_NAMESPACE: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', default: 'default', description: 'the namespace of the controllers\' Kubernetes Lease (in a pod: its own namespace, from the downward API)' }),
  PILOTHOUSE_ACTION_PLUGINS: Type.String({ default: '', description: 'comma-separated paths of remediation action plugin modules (.ts or .js) loaded at start; a bad one stops the start with what to fix' }),
  PILOTHOUSE_SECRETS_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'a base64 AES-256 key (32 bytes: openssl rand -base64 32) that seals notification receiver secrets at rest' })),
  PILOTHOUSE_LEASE: Type.Union([Type.Literal('postgres'), Type.Literal('kubernetes')], { default: 'postgres', description: 'postgres or kubernetes: where the controllers\' leader lease lives (kubernetes needs a cluster)' }),
});

export type Config = Static<typeof ConfigSchema> & { dataDir: string; publicUrl: string; backupDir: string };

export class ConfigError extends Error {}

/** Parses and checks `env`; throws ConfigError naming each bad variable and what it accepts. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const props = ConfigSchema.properties as Record<string, TSchema & { description?: string }>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(props)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const value = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, { ...raw })) as Static<typeof ConfigSchema>;
  const problems = new Map<string, string>();
  for (const err of Value.Errors(ConfigSchema, value)) {
    const key = err.instancePath.split('/')[1] ?? '';
    if (!problems.has(key)) problems.set(key, `${key}=${JSON.stringify(raw[key])} is not valid: expected ${props[key]?.description ?? err.message}`);
  }
  if (value.OIDC_ISSUER && !value.OIDC_CLIENT_ID) problems.set('OIDC_CLIENT_ID', 'OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  if (!value.OIDC_ISSUER && value.OIDC_CLIENT_ID) problems.set('OIDC_ISSUER', 'OIDC_ISSUER is required when OIDC_CLIENT_ID is set');
  if (value.OIDC_ISSUER?.startsWith('http://') && !value.OIDC_ALLOW_INSECURE) {
    problems.set('OIDC_ISSUER', 'OIDC_ISSUER must be an https:// URL (set OIDC_ALLOW_INSECURE=true only for a local test provider)');
  }
  if (problems.size > 0) throw new ConfigError(`Invalid configuration:\n  ${[...problems.values()].join('\n  ')}`);
  const dataDir = resolve(value.PILOTHOUSE_DATA_DIR);
  const shownHost = value.HOST === '0.0.0.0' || value.HOST === '::' ? 'localhost' : value.HOST;
  const publicUrl = (value.PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${value.PORT}`).replace(/\/+$/, '');
  const backupDir = resolve(value.PILOTHOUSE_BACKUP_DIR ?? join(dataDir, 'backups'));
  return { ...value, dataDir, publicUrl, backupDir };
}
