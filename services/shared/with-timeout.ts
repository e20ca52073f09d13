/**
 * How long a request waits for Redis to take a job before it answers without it. The job's rows are
 * committed in PostgreSQL already: the add goes on, and the reconcilers queue what it never did.
 */
export const REDIS_WAIT_MS = 1000;

/**
 * Rejects when `promise` has not settled within `ms`. The promise itself goes on (and its eventual
 * rejection is swallowed): a Redis command queued while Redis is away completes when it returns.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'the operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => {});
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
