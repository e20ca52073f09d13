import type pg from 'pg';
import { SWEEP_LOCK } from '../db/lock-keys.ts';
import { limitIdleSession } from '../db/pool.ts';

/**
 * Sweeps of one kind never run at once: the daily one (a BullMQ job, on any worker process) and
 * an operator's (an HTTP request, on any API process) take the same PostgreSQL advisory lock,
 * held on a connection of its own for the whole sweep (its pages commit one by one). The
 * two-integer form of the lock (`services/db/lock-keys.ts`) lives apart from the one-bigint keys and
 * the ordering keys' hashes, so no key can collide with them.
 *
 * The lock is a session's, outside any transaction: `idle_in_transaction_session_timeout` does not
 * free it. A process that freezes (or is cut off) mid-sweep would keep it until TCP gave up on the
 * silent peer, hours later, and every sweep of its kind would wait for it meanwhile (operators'
 * would get 409). So its connection also gets `idle_session_timeout`, the same time (the pool's
 * `idle_in_transaction_session_timeout`, `Config.pgIdleInTransactionMs`): while the sweep runs, the
 * holder touches that connection every third of it (`HEARTBEATS_PER_TIMEOUT`), which a frozen
 * process no longer does, and PostgreSQL ends the session and frees the lock. The holder checks
 * its lock before each page (`HeldSweepLock.confirm`) and stops with SweepLockLostError once it has
 * lost it. Another sweep may have started by then, and one page of the holder may still commit
 * beside it: harmless, since each page locks its rows, and no row is swept twice (the renewal sweep
 * checks its rows again once locked, `core/store/sweep-pg.ts`; the retention purge skips rows
 * locked and what it purged leaves its selection, `retention-pg.ts`, `delivery-retention.ts`).
 */
const SWEEP_LOCK_CLASS = SWEEP_LOCK.class;
const SWEEP_LOCK_KIND = SWEEP_LOCK.kinds;

/** How many times the holder touches the lock's connection within its idle timeout. */
const HEARTBEATS_PER_TIMEOUT = 3;

export type SweepKind = keyof typeof SWEEP_LOCK_KIND;

/** Another sweep of this kind holds the lock (only when asked not to wait). */
export class SweepInProgressError extends Error {
  override readonly name = 'SweepInProgressError';
  constructor(readonly kind: SweepKind) {
    super(`A ${kind} sweep is running; try again when it has finished.`);
  }
}

/** PostgreSQL ended the lock's session (its holder was silent too long): the sweep stops. */
export class SweepLockLostError extends Error {
  override readonly name = 'SweepLockLostError';
  constructor(readonly kind: SweepKind) {
    super(
      `The ${kind} sweep lost its lock (its process did not answer PostgreSQL in time) and stopped; ` +
        'the pages it committed stay done: run it again.',
    );
  }
}

/** The lock a sweep holds. */
export interface HeldSweepLock {
  /** Resolves while the lock is held; throws SweepLockLostError once PostgreSQL has ended its session. */
  confirm(): Promise<void>;
}

/**
 * Runs `work` holding the sweep lock of `kind`. `wait: false` throws SweepInProgressError at once
 * when another sweep holds it; `wait: true` waits for it. The lock dies with its connection, so a
 * process killed mid-sweep never leaves it held; nor, past the pool's idle timeout, does one frozen.
 */
export async function withSweepLock<T>(
  pool: pg.Pool,
  kind: SweepKind,
  wait: boolean,
  work: (lock: HeldSweepLock) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const key = [SWEEP_LOCK_CLASS, SWEEP_LOCK_KIND[kind]];
  let idleMs = 0;
  let locked = false;
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    idleMs = await limitIdleSession(client, pool);
    if (wait) {
      await client.query('SELECT pg_advisory_lock($1, $2)', key);
      locked = true;
    } else {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', key);
      locked = rows[0]?.ok === true;
      if (!locked) throw new SweepInProgressError(kind);
    }
    const confirm = () =>
      client.query('SELECT 1').then(
        () => undefined,
        () => {
          throw new SweepLockLostError(kind);
        },
      );
    if (idleMs > 0) heartbeat = setInterval(() => confirm().catch(() => {}), idleMs / HEARTBEATS_PER_TIMEOUT);
    return await work({ confirm });
  } finally {
    clearInterval(heartbeat);
    // Unlocked before the connection goes: ending it frees the lock too, but only once PostgreSQL
    // has seen it end, and a sweep run right after would be refused meanwhile.
    const unlocked =
      !locked ||
      (await client.query('SELECT pg_advisory_unlock($1, $2)', key).then(
        () => true,
        () => false,
      ));
    // A connection still holding the lock, or with its idle timeout set, is not given back to the pool.
    client.release(!unlocked || idleMs > 0);
  }
}
