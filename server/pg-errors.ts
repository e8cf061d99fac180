// PostgreSQL errors that mean the request carried a bad value, not that the server failed:
// a 4xx with a sentence of our own. The server's text (constraint, column and table names,
// the offending value) never reaches the caller; it is logged.

const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  '22P02': { status: 400, message: 'a value has the wrong form for its field: check the types the API documents' },
  '22003': { status: 400, message: 'a number is out of the range its field takes' },
  '22007': { status: 400, message: 'a date or time is not valid' },
  '22008': { status: 400, message: 'a date or time is out of range' },
  '22001': { status: 400, message: 'a text value is longer than its field takes' },
  '22021': { status: 400, message: 'a text value is not valid UTF-8' },
  '22P05': { status: 400, message: 'a text value contains a character that cannot be stored (such as NUL)' },
  '2202E': { status: 400, message: 'an array value is out of range' },
  '22023': { status: 400, message: 'a value is not valid for its field' },
  '23514': { status: 400, message: 'a value is outside what its field allows' },
  '23502': { status: 400, message: 'a required value is missing' },
  '23503': { status: 409, message: 'the request refers to a record that does not exist, or one that others still refer to' },
  '23505': { status: 409, message: 'a record with the same unique value already exists: choose another' },
  '54001': { status: 400, message: 'a value is nested too deeply' },
};

/** The status and message for a database error the caller caused, or undefined for one of ours. */
export function clientErrorOf(err: { code?: unknown; statusCode?: unknown }): { status: number; message: string } | undefined {
  if (err.statusCode !== undefined || typeof err.code !== 'string') return undefined;
  return CLIENT_ERRORS[err.code];
}
