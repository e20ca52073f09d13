import { isDatabaseError } from './safe-error.ts';

/**
 * PostgreSQL down, restarting or not yet accepting connections, or the connection lost (57P05: the
 * session sat idle past its `idle_session_timeout`; node-postgres's "not queryable": a client whose
 * connection ended between two statements): trying again later, on a new connection, can help.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '57P05', '08006', '08001'].includes(
      code ?? '',
    ) ||
    /Connection terminated|timeout exceeded when trying to connect|not yet accepting connections|not queryable/i.test(
      message ?? '',
    )
  );
}

/**
 * SQLSTATEs of a resource PostgreSQL lacks for now (class 53 but 53400): its shared lock table full
 * ("out of shared memory": every advisory lock the intake takes, one per ordering key, holds a slot
 * until its commit, and the table has `max_locks_per_transaction` × connections of them), memory,
 * connections, disk. 53400 (a configured limit, such as `temp_file_limit`) is not one: the same
 * request would exceed it again.
 */
const SHORT_OF_RESOURCES = new Set(['53000', '53100', '53200', '53300']);

/** PostgreSQL short of a resource: the statement's transaction rolled back; trying again later can help. */
export function isDatabaseShortOfResources(error: unknown): boolean {
  return isDatabaseError(error) && SHORT_OF_RESOURCES.has(error.code ?? '');
}

/**
 * A transaction PostgreSQL rolled back so that another could go on: a deadlock (40P01) or a
 * serialization failure (40001). The same request again will most likely pass.
 */
export function isTransactionConflict(error: unknown): boolean {
  return isDatabaseError(error) && (error.code === '40P01' || error.code === '40001');
}
