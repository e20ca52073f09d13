import type pg from 'pg';
import type { IsoDate } from '../core/commands.ts';
import type { RetentionStore } from '../core/retention.ts';
import { PgRetentionStore } from '../core/store/retention-pg.ts';
import { PgSweepStore } from '../core/store/sweep-pg.ts';
import { type SweepResult, type SweepStore, sweepRenouvellement } from '../core/sweep.ts';
import { retentionBound } from '../core/sweep-bounds.ts';
import { type Queryable, withTransaction } from '../db/pool.ts';
import { withSweepLock } from './sweep-lock.ts';
import { deliveriesBound, purgeDeliveries } from './webhooks/delivery-retention.ts';

/** Who runs a sweep, for its audit line. */
export interface SweepRun {
  /** The operator's client id, or `hub:scheduler` for the daily sweeps. */
  actor: string;
  reason?: string;
  /** Wait for a sweep of the same kind that is running (the daily job) rather than refuse (an operator). */
  wait: boolean;
}

/** The sweeps' audit actions, by kind: each run writes one line. */
export const SWEEP_ACTIONS = {
  renouvellement: 'sweep.renouvellement',
  retention: 'sweep.retention',
} as const;

/** The actor written in the audit log for the sweeps the scheduler plans. */
export const SCHEDULER_ACTOR = 'hub:scheduler';

export interface RetentionResult {
  /** Demandes whose personal data were erased. */
  purgees: number;
  /** Messages that never made a demande whose personal data were erased. */
  messagesPurges: number;
  /** Webhook deliveries delivered longer ago than they are kept, deleted with their attempts. */
  livraisonsPurgees: number;
}

export interface RetentionOptions {
  /** Days a delivered webhook delivery is kept (`SNE_DELIVERIES_RETENTION_DAYS`); 0: for ever. */
  deliveriesRetentionDays: number;
  /** Rows per page, each page in its own transaction with its audit count. */
  pageSize?: number;
}

/**
 * The renewal sweep as of a date, over the registry in PostgreSQL. Its audit line is created
 * first, then each page of the sweep adds its counts to it in the page's own transaction: no
 * préavis nor radiation is ever committed without the line that records it.
 */
export function runRenouvellementSweep(pool: pg.Pool, asOf: IsoDate, run: SweepRun): Promise<SweepResult> {
  return withSweepLock(pool, 'renouvellement', run.wait, async (lock) => {
    const auditId = await openAudit(pool, SWEEP_ACTIONS.renouvellement, asOf, run, {
      preavis: 0,
      radiees: 0,
    });
    return closingAudit(pool, auditId, () =>
      sweepRenouvellement(async <T>(work: (store: SweepStore) => Promise<T>) => {
        await lock.confirm();
        return withTransaction(pool, async (db) => {
          const store = new PgSweepStore(db);
          const out = await work(store);
          await addToAudit(db, auditId, store.saved);
          // Last: EVENTS_LOCK is held only from the events' insert to the commit.
          await store.writeHeldEvents();
          return out;
        });
      }, asOf),
    );
  });
}

/**
 * The retention purge as of a date: every demande radiée a year or more before it loses its
 * personal data, then every message that never made a demande (rejected, failed, discarded) and
 * arrived a year or more before it; then the webhook deliveries delivered longer ago than they are
 * kept are deleted (webhooks/delivery-retention.ts). In pages of `pageSize`, each page with its
 * audit count in one transaction. Idempotent: what is purged leaves the purge's indexes.
 */
export function runRetentionSweep(
  pool: pg.Pool,
  asOf: IsoDate,
  run: SweepRun,
  { deliveriesRetentionDays, pageSize = 500 }: RetentionOptions,
): Promise<RetentionResult> {
  return withSweepLock(pool, 'retention', run.wait, async (lock) => {
    const auditId = await openAudit(pool, SWEEP_ACTIONS.retention, asOf, run, {
      purgees: 0,
      messagesPurges: 0,
      livraisonsPurgees: 0,
    });
    const bound = retentionBound(asOf);
    const inPages = async (
      count: keyof RetentionResult,
      purge: (store: RetentionStore, db: Queryable) => Promise<number>,
    ) => {
      let total = 0;
      for (;;) {
        await lock.confirm();
        const purged = await withTransaction(pool, async (db) => {
          const n = await purge(new PgRetentionStore(db, asOf), db);
          if (n > 0) await addToAudit(db, auditId, { [count]: n });
          return n;
        });
        if (purged === 0) return total;
        total += purged;
      }
    };
    return closingAudit(pool, auditId, async () => {
      const purgees = await inPages('purgees', (store) => store.purge(bound, pageSize));
      const messagesPurges = await inPages('messagesPurges', (store) => store.purgeMessages(bound, pageSize));
      const delivered = deliveriesBound(asOf, deliveriesRetentionDays);
      const livraisonsPurgees = delivered
        ? await inPages('livraisonsPurgees', (_store, db) => purgeDeliveries(db, delivered, pageSize))
        : 0;
      return { purgees, messagesPurges, livraisonsPurgees };
    });
  });
}

/** The sweep's audit line, `status: running` until it ends (`done` or `failed`). Returns its id. */
async function openAudit(
  db: Queryable,
  action: string,
  asOf: IsoDate,
  run: SweepRun,
  counts: Record<string, number>,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO audit (actor, action, target, reason, details) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [run.actor, action, asOf, run.reason ?? null, { asOf, ...counts, status: 'running' }],
  );
  return rows[0]?.id as string;
}

/** Adds a page's counts to the audit line, in the page's transaction. */
async function addToAudit(db: Queryable, auditId: string, counts: Record<string, number>): Promise<void> {
  await db.query(
    `UPDATE audit SET details = details || (SELECT jsonb_object_agg(k, coalesce((details->>k)::bigint, 0) + v::bigint)
                                             FROM jsonb_each_text($2::jsonb) AS c(k, v))
      WHERE id = $1`,
    [auditId, counts],
  );
}

/**
 * Runs the sweep, then closes its audit line: `done`, or `failed` when the sweep threw (the pages
 * committed before stay counted: they are done). A line is never left `running` by a sweep that
 * ended; closing a failed one is best effort, the sweep's own error is the one thrown.
 */
async function closingAudit<T>(db: Queryable, auditId: string, sweep: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await sweep();
  } catch (error) {
    await closeAudit(db, auditId, 'failed').catch(() => {});
    throw error;
  }
  await closeAudit(db, auditId, 'done');
  return result;
}

async function closeAudit(db: Queryable, auditId: string, status: 'done' | 'failed'): Promise<void> {
  await db.query(
    `UPDATE audit SET details = details || jsonb_build_object('status', $2::text) WHERE id = $1`,
    [auditId, status],
  );
}
