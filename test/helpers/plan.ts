import type pg from 'pg';
import type { Queryable } from '../../services/db/pool.ts';

/**
 * The plan PostgreSQL makes of the statement `run` sends (the last one, if several), with
 * sequential scans off so that a small test table does not hide which index the statement can
 * use: how a test checks that a read stays one range of an index at any volume. The statement is
 * captured, not run (`run` sees no rows), then explained on `pool`.
 */
export async function planOf(pool: pg.Pool, run: (db: Queryable) => Promise<unknown>): Promise<string> {
  let statement: { text: string; values: unknown[] } | undefined;
  const capture = {
    query: async (text: string, values: unknown[]) => {
      statement = { text, values };
      return { rows: [] };
    },
  };
  await run(capture as unknown as Queryable);
  if (!statement) throw new Error('no statement was sent');
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    await db.query('SET LOCAL enable_seqscan = off');
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await db.query('ROLLBACK');
    db.release();
  }
}

/**
 * What PostgreSQL did running the last statement `run` sends (earlier ones, such as the probes that
 * compute a bound, run for real on `pool` first): what `run` returned, EXPLAIN ANALYZE's text, and
 * the rows its scans read and threw away (`Rows Removed by` a filter or a lossy bitmap's recheck,
 * summed). How a test checks that a page reads about its own rows, not every row between the newest
 * and the period it asks for.
 */
export async function analyzedRun<T>(
  pool: pg.Pool,
  run: (db: Queryable) => Promise<T>,
): Promise<{ plan: string; rowsRemoved: number; result: T }> {
  let statement: { text: string; values: unknown[] } | undefined;
  const recording = {
    query: (text: string, values: unknown[]) => {
      statement = { text, values };
      return pool.query(text, values);
    },
  };
  const result = await run(recording as unknown as Queryable);
  if (!statement) throw new Error('no statement was sent');
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, COSTS OFF) ${statement.text}`,
    statement.values,
  );
  const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
  const rowsRemoved = [
    ...plan.matchAll(/Rows Removed by (?:Filter|Index Recheck|Join Filter): (\d+)/g),
  ].reduce((sum, match) => sum + Number(match[1]), 0);
  return { plan, rowsRemoved, result };
}
