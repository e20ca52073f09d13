import type pg from 'pg';
import { LOCK_KEYS } from '../db/lock-keys.ts';

/** How often a worker process folds the infocentre's deltas at most, ms. */
export const INFOCENTRE_FOLD_EVERY_MS = 1000;

/**
 * Folds the infocentre's deltas (migration 017) into its tables, at most once per `everyMs`: called
 * after each apply job. A fold is a transaction of its own, one at a time across processes (one
 * finding another running leaves its deltas to it). Its commit need not wait for the disk: lost in a
 * crash, the fold is lost whole and the deltas it took are there again. A fold that fails leaves the
 * deltas for the next one; the statistics read them either way.
 */
export function infocentreFolder(
  pool: pg.Pool,
  log: { warn(details: object, message: string): void },
  everyMs = INFOCENTRE_FOLD_EVERY_MS,
): () => Promise<void> {
  let last = 0;
  return async () => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    await pool
      .query(
        `SELECT set_config('synchronous_commit', 'off', true), infocentre_replier()
          WHERE pg_try_advisory_xact_lock($1)`,
        [LOCK_KEYS.infocentreFold],
      )
      .catch((error: Error) => log.warn({ err: error.message }, 'infocentre deltas not folded'));
  };
}
