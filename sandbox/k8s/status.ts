// Kubernetes `Status` bodies and the errors that carry them. The shapes and messages follow
// k8s.io/apimachinery/pkg/api/errors so clients that parse `reason` and `code` behave as
// they would against a real API server.
import type { ResourceType, StatusCause } from './types.ts';

export type { StatusCause };

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  readonly status: StatusBody;
  constructor(code: number, reason: string, message: string, details?: StatusBody['details']) {
    super(message);
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
  }
  get code(): number { return this.status.code; }
}

/** `deployments.apps` for grouped resources, `pods` for core ones. */
export function qualifiedResource(rt: Pick<ResourceType, 'group' | 'plural'>): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

export function notFound(rt: Pick<ResourceType, 'group' | 'plural'>, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(rt)} "${name}" not found`, { name, group: rt.group || undefined, kind: rt.plural });
}

export function alreadyExists(rt: Pick<ResourceType, 'group' | 'plural'>, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(rt)} "${name}" already exists`, { name, group: rt.group || undefined, kind: rt.plural });
}

export function conflict(rt: Pick<ResourceType, 'group' | 'plural'>, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(rt)} "${name}": ${why}`, { name, group: rt.group || undefined, kind: rt.plural });
}

/** 422: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0` */
export function invalid(rt: Pick<ResourceType, 'group' | 'kind'>, name: string, causes: StatusCause[]): ApiError {
  const kindName = rt.group ? `${rt.kind}.${rt.group}` : rt.kind;
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kindName} "${name}" is invalid: ${list}`, { name, group: rt.group || undefined, kind: rt.kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function forbidden(rt: Pick<ResourceType, 'group' | 'plural'>, name: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `${qualifiedResource(rt)} "${name}" is forbidden: ${why}`, { name, group: rt.group || undefined, kind: rt.plural });
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unknownResource(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType})`);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function success(rt: Pick<ResourceType, 'group' | 'plural'>, name: string, uid: string): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: rt.group || undefined, kind: rt.plural, uid }, code: 200 } as StatusBody;
}
