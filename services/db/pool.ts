import pg from 'pg';

// Calendar dates stay `YYYY-MM-DD` strings: a JS Date would shift them with the time zone.
pg.types.setTypeParser(1082, (value) => value);

export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  connectionString: string;
  /** Connections at most. Default 10. */
  max?: number;
  /**
   * What `pg_stat_activity` shows for these connections (`application_name`), so that an operator
   * tells the hub's processes apart. An `application_name` in the URL wins.
   */
  applicationName?: string;
  /**
   * `idle_in_transaction_session_timeout`, ms (0, the default: none): PostgreSQL ends a session whose
   * transaction waits this long for its next statement (why: `Config.pgIdleInTransactionMs`).
   */
  idleInTransactionMs?: number;
}

/**
 * What `pg_stat_activity.application_name` shows for the hub's connections of one purpose: a
 * process's roles (`sne-hub api,worker`), `rpls-upload`, `migrate`, `listen <channel>`.
 */
export function applicationName(purpose: string): string {
  return `sne-hub ${purpose}`;
}

/**
 * Session settings of every hub connection, as the startup packet's `options` (an `options` in the
 * URL replaces them). JIT compilation is off: the hub's statements are short OLTP work and indexed
 * reports, and PostgreSQL compiled the larger ones for longer than they ran, because their plan's
 * estimated cost, not their work, crossed `jit_above_cost`. On a registry of 3 million demandes
 * (`npm run bench:registry-reads`): the quality report of the Nord 1.4-1.5 s with JIT, 0.43-0.45 s
 * without; that of a département without guichets 0.9-1.0 s against 2 ms; the ancienneté of a
 * région 104-112 ms against 58-65; the flux of France the same either way (41-49 ms).
 */
const SESSION_OPTIONS = '-c jit=off';

export function createPool({
  connectionString,
  max = 10,
  applicationName,
  idleInTransactionMs = 0,
}: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    options: SESSION_OPTIONS,
    ...(applicationName ? { application_name: applicationName } : {}),
    ...(idleInTransactionMs > 0 ? { idle_in_transaction_session_timeout: idleInTransactionMs } : {}),
  });
  // A client losing its connection (PostgreSQL restarting) must not crash the process: an idle one
  // reports it on the pool, one checked out on itself. Between two statements of a transaction
  // (while the apply's JavaScript runs, or its numbers are drawn on another connection) nothing
  // else listens: the error event would be unhandled. The transaction's next statement fails
  // instead, and the caller handles that as any transient error.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * Gives `client` an `idle_session_timeout` equal to its pool's `idle_in_transaction_session_timeout`
 * (`Config.pgIdleInTransactionMs`) and returns it, ms (0: the pool has none, nor does the session).
 * For a connection that holds a session's advisory lock (the migrations', a sweep's): such a lock
 * lives outside any transaction, so only this timeout ends the session of a process that froze
 * while holding it, and frees the lock for the others. Set it before asking for the lock: a session
 * waiting for a lock is not idle.
 */
export async function limitIdleSession(client: pg.PoolClient, pool: pg.Pool): Promise<number> {
  const idleMs = pool.options.idle_in_transaction_session_timeout ?? 0;
  if (idleMs > 0) await client.query(`SELECT set_config('idle_session_timeout', $1, false)`, [`${idleMs}ms`]);
  return idleMs;
}

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * `pool.query`, but only on a connection free right now: resolves `undefined`, running nothing,
 * when every connection is taken. For a statement that a transaction wants run outside itself: it
 * must not wait for a connection, since the transactions holding them might wait for it.
 */
export function queryIfFree(
  pool: pg.Pool,
): (text: string, values: unknown[]) => Promise<pg.QueryResult | undefined> {
  return async (text, values) => {
    const max = pool.options.max ?? 10;
    if (pool.waitingCount > 0 || (pool.idleCount === 0 && pool.totalCount >= max)) return undefined;
    return pool.query(text, values);
  };
}
