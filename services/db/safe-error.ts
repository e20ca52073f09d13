import pg from 'pg';

/**
 * What of an error may be written to logs or shown to operators. A PostgreSQL error carries the
 * values it choked on: in `detail` ("Key (departement, identite_hash)=(59, …) already exists"),
 * `where` (the parameters of the statement), even its message ("invalid input syntax for type date:
 * …"). Those may be personal data, so they never leave: only the SQLSTATE, the constraint, the
 * table and column names, and a description of the SQLSTATE class.
 */

/** True for an error PostgreSQL sent back (it has a SQLSTATE). */
export function isDatabaseError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError;
}

/** True for a row a unique index refused (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === '23505';
}

/** SQLSTATE classes (the first two characters), as an operator would read them. */
const SQLSTATE_CLASSES: Record<string, string> = {
  '08': 'connection exception',
  '22': 'a value the registry cannot store (out of range or invalid text)',
  '23': 'an integrity constraint of the registry',
  '40': 'transaction rolled back (serialization failure or deadlock)',
  '42': 'an invalid statement',
  '53': 'insufficient resources',
  '54': 'a program limit exceeded',
  '55': 'an object not in the required state',
  '57': 'operator intervention (shutdown, cancelled statement)',
  '58': 'a system error of PostgreSQL',
  XX: 'an internal error of PostgreSQL',
};

/** One line for a message's recorded error: `PostgreSQL 22008 (…)` or the error's class and message. */
export function safeErrorSummary(error: unknown): string {
  if (isDatabaseError(error)) {
    const code = error.code ?? '?????';
    const on = error.constraint ? ` on ${error.constraint}` : '';
    return `PostgreSQL ${code}${on}: ${SQLSTATE_CLASSES[code.slice(0, 2)] ?? 'database error'}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return 'unknown error';
}

/**
 * The fields of an error for a log line (pino's `err`). For a PostgreSQL error: no message, no
 * `detail`, no `where`, no parameters — the stack without its first line (which repeats the message).
 */
export function safeErrorFields(error: unknown): Record<string, unknown> {
  if (isDatabaseError(error)) {
    return {
      type: 'DatabaseError',
      summary: safeErrorSummary(error),
      code: error.code,
      ...(error.constraint ? { constraint: error.constraint } : {}),
      ...(error.table ? { table: error.table } : {}),
      ...(error.column ? { column: error.column } : {}),
      ...(error.routine ? { routine: error.routine } : {}),
      stack: error.stack?.split('\n').slice(1).join('\n'),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      stack: error.stack,
    };
  }
  return { type: typeof error };
}
