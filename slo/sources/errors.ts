// An SLI that its source cannot answer as written (a threshold that is not a bucket bound).
export class InvalidSliError extends Error {
  readonly statusCode = 400;
}
