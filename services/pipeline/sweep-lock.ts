import type pg from 'pg';

/**
 * Sweeps of one kind never run at once: the daily one (a BullMQ job, on any worker process) and
 * an operator's (an HTTP request, on any API process) take the same PostgreSQL advisory lock,
 * held on a connection of its own for the whole sweep (its pages commit one by one). The
 * two-integer form of the lock lives apart from the one-bigint keys used elsewhere (727001-727003,
 * the ordering keys' hashes), so no key can collide with them.
 */
const SWEEP_LOCK_CLASS = 727_010;
const SWEEP_LOCK_KIND = { renouvellement: 1, retention: 2 } as const;

export type SweepKind = keyof typeof SWEEP_LOCK_KIND;

/** Another sweep of this kind holds the lock (only when asked not to wait). */
export class SweepInProgressError extends Error {
  override readonly name = 'SweepInProgressError';
  constructor(readonly kind: SweepKind) {
    super(`A ${kind} sweep is running; try again when it has finished.`);
  }
}

/**
 * Runs `work` holding the sweep lock of `kind`. `wait: false` throws SweepInProgressError at once
 * when another sweep holds it; `wait: true` waits for it. The lock dies with its connection, so a
 * process killed mid-sweep never leaves it held.
 */
export async function withSweepLock<T>(
  pool: pg.Pool,
  kind: SweepKind,
  wait: boolean,
  work: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const key = [SWEEP_LOCK_CLASS, SWEEP_LOCK_KIND[kind]];
  let locked = false;
  try {
    if (wait) {
      await client.query('SELECT pg_advisory_lock($1, $2)', key);
      locked = true;
    } else {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', key);
      locked = rows[0]?.ok === true;
      if (!locked) throw new SweepInProgressError(kind);
    }
    return await work();
  } finally {
    if (locked) {
      // A lock left on a pooled connection would outlive the sweep: drop the connection if unlocking fails.
      const unlocked = await client.query('SELECT pg_advisory_unlock($1, $2)', key).then(
        () => true,
        () => false,
      );
      client.release(!unlocked);
    } else {
      client.release();
    }
  }
}
