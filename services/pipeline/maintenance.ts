import type pg from 'pg';
import type { IsoDate } from '../core/commands.ts';
import { PgSweepStore } from '../core/store/store-pg.ts';
import { type SweepResult, type SweepStore, sweepRenouvellement } from '../core/sweep.ts';
import { withTransaction } from '../db/pool.ts';

/** The renewal sweep as of a date, over the registry in PostgreSQL. */
export function runRenouvellementSweep(pool: pg.Pool, asOf: IsoDate): Promise<SweepResult> {
  return sweepRenouvellement(
    <T>(work: (store: SweepStore) => Promise<T>) => withTransaction(pool, (db) => work(new PgSweepStore(db))),
    asOf,
  );
}
