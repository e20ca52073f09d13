import type pg from 'pg';
import { LOCK_KEYS } from '../db/lock-keys.ts';
import { safeErrorSummary } from '../db/safe-error.ts';

/** How often a worker process folds the infocentre's deltas at most, ms. */
export const INFOCENTRE_FOLD_EVERY_MS = 1000;
/** How often a worker process folds them at the latest, applying or not, ms. */
export const INFOCENTRE_FOLD_IDLE_MS = 5000;

/**
 * Folds the infocentre's deltas (migration 017) into its tables, at most once per `everyMs`: called
 * after each apply job, and on a timer (`startInfocentreFolds`). A fold is a transaction of its own,
 * one at a time across processes (one finding another running leaves its deltas to it). Its commit
 * need not wait for the disk: lost in a crash, the fold is lost whole and the deltas it took are
 * there again. A fold that fails leaves the deltas for the next one; the statistics read them
 * either way.
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
      .catch((error: Error) => log.warn({ err: safeErrorSummary(error) }, 'infocentre deltas not folded'));
  };
}

/**
 * Runs `fold` every `idleMs` until closed. After apply jobs alone, deltas would stay unfolded where
 * no job follows: those of the last job inside a second of the previous fold, and those that sweeps,
 * operators' changes and purges write. The reads stay exact, but each one reads the deltas too.
 */
export function startInfocentreFolds(
  fold: () => Promise<void>,
  idleMs = INFOCENTRE_FOLD_IDLE_MS,
): { close(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  const schedule = () => {
    timer = setTimeout(() => {
      running = fold().finally(() => {
        if (!closed) schedule();
      });
    }, idleMs);
  };
  schedule();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
