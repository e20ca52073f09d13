import { isDatabaseError } from './safe-error.ts';

/** PostgreSQL down, restarting or not yet accepting connections: trying again later can help. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001'].includes(code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect|not yet accepting connections/i.test(
      message ?? '',
    )
  );
}

/**
 * PostgreSQL short of a resource (SQLSTATE class 53): its shared lock table full ("out of shared
 * memory": every advisory lock the intake takes, one per ordering key, holds a slot until its
 * commit, and the table has `max_locks_per_transaction` × connections of them), too many
 * connections, a full disk. The statement's transaction rolled back: trying again later can help.
 */
export function isDatabaseShortOfResources(error: unknown): boolean {
  return isDatabaseError(error) && (error.code ?? '').startsWith('53');
}
