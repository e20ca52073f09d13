import pg from 'pg';

// Calendar dates stay `YYYY-MM-DD` strings: a JS Date would shift them with the time zone.
pg.types.setTypeParser(1082, (value) => value);

export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  connectionString: string;
  /** Connections at most. Default 10. */
  max?: number;
}

export function createPool({ connectionString, max = 10 }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client losing its connection (PostgreSQL restarting) must not crash the process.
  pool.on('error', () => {});
  return pool;
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
