import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../services/db/pool.ts';
import { createTestDatabase } from './helpers/database.ts';

/**
 * A connection lost while its client is checked out and idle between two statements (PostgreSQL
 * restarting mid-transaction, as the fault suite does) must not crash the process: pg reports it
 * as an `error` event on the client, which nothing else listens to then. Found by the fault suite,
 * where a hub process died of it while its apply drew numbers on another connection.
 */
describe('a pool client losing its connection between two statements', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('fails its next statement, and the process and the pool go on', async () => {
    const pool = createPool({ connectionString: database.url, max: 2 });
    const killer = createPool({ connectionString: database.url, max: 1 });
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await killer.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      // The connection's end arrives while the client runs no statement.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      const after = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(after.rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await killer.end();
    }
  });
});
