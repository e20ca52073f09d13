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
