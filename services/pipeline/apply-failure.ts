import { BUSINESS_ERRORS } from '../core/errors.ts';
import { isDatabaseError, isUniqueViolation, safeErrorSummary } from '../db/safe-error.ts';

/**
 * How the apply worker reads an error that is not a business rule's. Transient errors (the
 * database away, a deadlock) may pass on a later attempt: the job is retried whole, with backoff.
 * Any other error is deterministic: the same message fails the same way every time, so retrying
 * only delays the others — the worker isolates the message that causes it and fails it alone.
 */

/**
 * A message the registry could not store for a reason no business rule names (a value PostgreSQL
 * refuses, a defect): failed at once, not retried; an operator corrects and replays it.
 */
export const APPLY_ERROR = 'APPLY_ERROR';
/** Transient errors outlasted the retries (README: configuration). */
export const RETRIES_EXHAUSTED = 'RETRIES_EXHAUSTED';

/** SQLSTATE classes and codes a later attempt may pass. */
// 25P03: the session's transaction sat idle past SNE_PG_IDLE_IN_TRANSACTION_MS (a process that froze).
const TRANSIENT_SQLSTATES = ['08', '25P03', '40', '53', '57', '58', '55P03'];
const TRANSIENT_NODE_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
];
/** node-postgres reports a lost or unavailable connection by message only. */
const TRANSIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i;

/** True when a later attempt of the same messages may succeed. */
export function isTransient(error: unknown): boolean {
  if (isDatabaseError(error)) {
    const code = error.code ?? '';
    return TRANSIENT_SQLSTATES.some((prefix) => code.startsWith(prefix));
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TRANSIENT_NODE_CODES.includes(code)) return true;
  return error instanceof Error && TRANSIENT_MESSAGES.test(error.message);
}

/** The error recorded on a message that failed alone. */
export interface MessageFailure {
  code: string;
  message: string;
}

/**
 * The failure of one message, isolated, that `error` prevented from applying. A unique index the
 * rules did not foresee is the rule it stands for: two active demandes of one person (a race the
 * ordering keys did not cover) is a `DOUBLON`, a reused reference a `REFERENCE_GUICHET_EXISTANTE`.
 * Never the PostgreSQL detail: it holds the values (personal data).
 */
export function failureOf(error: unknown, options: { transient?: boolean } = {}): MessageFailure {
  if (isDatabaseError(error) && isUniqueViolation(error)) {
    if (error.constraint === 'demandes_identite_active') {
      return { code: 'DOUBLON', message: BUSINESS_ERRORS.DOUBLON };
    }
    if (error.constraint === 'demandes_reference') {
      return { code: 'REFERENCE_GUICHET_EXISTANTE', message: BUSINESS_ERRORS.REFERENCE_GUICHET_EXISTANTE };
    }
  }
  if (options.transient) {
    return {
      code: RETRIES_EXHAUSTED,
      message: `Transient errors exhausted the retries: ${safeErrorSummary(error)}.`,
    };
  }
  return {
    code: APPLY_ERROR,
    message: `The registry could not store this message's changes (${safeErrorSummary(error)}); it is not retried: correct it and replay it.`,
  };
}
