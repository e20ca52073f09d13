import type pg from 'pg';

/** Waits until `check` returns a value (not undefined), polling the real services; fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until none of these messages is `accepted` or `processing` any more. */
export async function waitForMessagesDone(
  pool: pg.Pool,
  messageIds: string[],
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM messages WHERE id = ANY($1::uuid[]) AND status IN ('accepted', 'processing')`,
        [messageIds],
      );
      return Number(rows[0]?.n) === 0 ? true : undefined;
    },
    timeoutMs,
    'messages to be done',
  );
}

/** Waits until a renewal sweep's page waits for a demande's row lock (held by the test). */
export async function waitForSweepOnLockedRow(pool: pg.Pool): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
            AND query LIKE '%FROM demandes d%FOR UPDATE%'`,
      );
      return rows.length > 0 ? true : undefined;
    },
    20_000,
    'the sweep to wait on the held row',
  );
}
