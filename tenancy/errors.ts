// Errors the domain raises; the HTTP layer maps each to its status code.
export class NotFoundError extends Error {
  readonly statusCode = 404;
}
export class ConflictError extends Error {
  readonly statusCode = 409;
}
export class ForbiddenError extends Error {
  readonly statusCode = 403;
}
export class InvalidError extends Error {
  readonly statusCode = 400;
}
/** Something the deployment lacks (a cluster, Prometheus): a 503 whose message says what to set. */
export class UnavailableError extends Error {
  readonly statusCode = 503;
  readonly expose = true;
}

/** PostgreSQL unique_violation */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}
