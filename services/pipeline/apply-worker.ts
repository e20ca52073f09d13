import { randomUUID } from 'node:crypto';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type pg from 'pg';
import { actorOf, type Role } from '../core/actor.ts';
import { applyBatch, type BatchItem, type BatchOutcome } from '../core/apply-batch.ts';
import type { Command, IsoDate } from '../core/commands.ts';
import { type OutsideQuery, PgRegistryStore } from '../core/store/store-pg.ts';
import { type Column, columnParameters, jsonText, unnestColumns } from '../db/binary-arrays.ts';
import { queryIfFree, withTransaction } from '../db/pool.ts';
import { safeErrorSummary } from '../db/safe-error.ts';
import { failureOf, isTransient, type MessageFailure } from './apply-failure.ts';
import { firstPendingOutside, releaseKeys, releaseKeysOf, splitReady, withOrderingKeys } from './ordering.ts';
import { type ApplyJobData, isLastAttempt } from './queues.ts';

/** A message claimed for applying (`claimMessages`). */
export interface PendingRow {
  id: string;
  seq: string;
  canonical: Command;
  client_id: string;
  role: Role;
  organisme: string;
  departements: string[];
  code_guichet: string | null;
  /** Set when the message was applied before: an operator's forced replay (it never applies twice). */
  applied_at: Date | null;
  result: { numeroUnique: string } | null;
  /** Its ordering keys, pending until it is done (`pending_keys`). */
  keys: string[];
}

/**
 * A message not done yet, among ids given: the status as an expression no index covers (`|| ''`, as
 * `seq + 0` elsewhere), so that the planner reaches the rows by their ids. With the status index it
 * read every waiting message to find a job's 500 whenever its statistics said none were waiting
 * (a registry analysed at rest, then a backlog of thousands): a cost that grew with the backlog.
 */
function notDoneYet(status = 'status'): string {
  return `(${status} || '') IN ('accepted', 'processing')`;
}

export interface ApplyOptions {
  pool: pg.Pool;
  queue: Queue<ApplyJobData>;
  /** Today's business date (injected so that tests can set the clock). */
  today: () => IsoDate;
  /** First delay, in ms, before a message waiting for an earlier one of its demande is tried again. */
  deferDelayMs: number;
  /**
   * Messages applied per transaction at most (default: a job's all): a smaller part commits sooner
   * (and releases EVENTS_LOCK sooner), at the cost of a commit and its statements per part.
   */
  transactionMessages?: number;
  /** Where a message failed alone by isolation is reported (its id and code, never its content). */
  log?: { warn(details: object, message: string): void };
  /** Run after each job, outside its transactions: the infocentre's fold (`infocentreFolder`). */
  afterJob?: () => Promise<void>;
}

export interface ApplyReport {
  applied: number;
  failed: number;
  deferred: number;
}

interface Applied {
  report: ApplyReport;
  deferredIds: string[];
}

/**
 * The processor of apply jobs. One transaction per job (or per part of `transactionMessages`
 * messages, in acceptance order): claims the job's messages still to do, applies those whose
 * earlier messages (same demande) are done, records each outcome with the registry's changes, and
 * releases their ordering keys. A message is applied exactly once however often its job runs: its
 * row is locked and its status checked inside that same transaction. Its
 * attempt is counted by the statement that records its outcome, in that transaction too (no
 * statement of its own before: a try that dies midway rolls back and leaves no trace).
 *
 * When that transaction fails for a reason no business rule names, one message may be the cause
 * (a value PostgreSQL refuses): a transient error is retried whole by BullMQ, any other error — and
 * on the last attempt any error at all — is isolated, so that one message never takes the others down.
 */
export function createApplyProcessor(options: ApplyOptions) {
  return async function processApplyJob(job: Job<ApplyJobData>): Promise<ApplyReport> {
    const { messageIds } = job.data;
    const lastAttempt = isLastAttempt(job);
    const size = Math.max(1, options.transactionMessages || messageIds.length);
    const report: ApplyReport = { applied: 0, failed: 0, deferred: 0 };
    const deferredIds: string[] = [];
    // In acceptance order, a transaction per `size` messages: a later part sees the earlier parts
    // committed, and a message deferred in one part still holds its keys for the parts after it.
    try {
      for (let start = 0; start < messageIds.length; start += size) {
        const done = await applyPart(options, messageIds.slice(start, start + size), lastAttempt);
        report.applied += done.report.applied;
        report.failed += done.report.failed;
        report.deferred += done.report.deferred;
        deferredIds.push(...done.deferredIds);
      }
    } catch (error) {
      // No retry follows: what earlier parts deferred still gets its turn (a retry would defer it again).
      if (error instanceof UnrecoverableError && deferredIds.length > 0)
        await defer(options, job, deferredIds).catch(() => {});
      throw error;
    }
    if (deferredIds.length > 0) await defer(options, job, deferredIds);
    await options.afterJob?.();
    return report;
  };
}

/** One transaction over `messageIds`, or their isolation when it fails for a reason no rule names. */
async function applyPart(
  options: ApplyOptions,
  messageIds: string[],
  lastAttempt: boolean,
): Promise<Applied> {
  try {
    return await applyInTransaction(options, messageIds);
  } catch (error) {
    if (isTransient(error) && !lastAttempt) {
      // The transaction rolled back: operators see this try among the message's attempts.
      await recordTransientAttempt(options.pool, messageIds, error as Error).catch(() => {});
      throw error;
    }
    try {
      return await isolate(options, messageIds, error, lastAttempt);
    } catch (isolationError) {
      if (!lastAttempt) {
        await recordTransientAttempt(options.pool, messageIds, isolationError as Error).catch(() => {});
        throw isolationError;
      }
      // The database itself is failing at the last attempt: the messages wait for an operator.
      const failure = failureOf(isolationError, { transient: true });
      await markFailed(options.pool, messageIds, failure).catch(() => {});
      throw new UnrecoverableError(failure.message);
    }
  }
}

function applyInTransaction(options: ApplyOptions, messageIds: string[]): Promise<Applied> {
  return withTransaction(options.pool, (db) =>
    applyReady(db, messageIds, options.today(), queryIfFree(options.pool)),
  );
}

/**
 * Applies `messageIds` knowing that together they failed with `error`: by halves, in acceptance
 * order, each half in a transaction of its own, down to the single message that fails — which is
 * failed alone (`APPLY_ERROR`, or the business code a unique index stands for) while every other
 * message is applied once, or deferred as usual. Halves run one after the other in acceptance
 * order, so the ordering keys keep their meaning: a failed message releases its keys, a deferred
 * one holds them for the messages after it. A transient error met on the way is thrown (the job is
 * retried, the messages already done stay done), except on the last attempt, where it fails the
 * single message it is isolated to with `RETRIES_EXHAUSTED`.
 */
async function isolate(
  options: ApplyOptions,
  messageIds: string[],
  error: unknown,
  lastAttempt: boolean,
): Promise<Applied> {
  const ordered = await stillToDo(options.pool, messageIds);
  const applyHalves = async (ids: string[], knownError?: unknown): Promise<Applied> => {
    let failure = knownError;
    if (failure === undefined) {
      try {
        return await applyInTransaction(options, ids);
      } catch (caught) {
        if (isTransient(caught) && !lastAttempt) throw caught;
        failure = caught;
      }
    }
    const [only] = ids;
    if (ids.length === 1 && only) {
      const recorded = failureOf(failure, { transient: isTransient(failure) });
      await markFailed(options.pool, [only], recorded);
      options.log?.warn(
        { messageId: only, code: recorded.code, err: safeErrorSummary(failure) },
        'message failed alone: its batch applied without it',
      );
      return { report: { applied: 0, failed: 1, deferred: 0 }, deferredIds: [] };
    }
    const middle = Math.ceil(ids.length / 2);
    const first = await applyHalves(ids.slice(0, middle));
    const second = await applyHalves(ids.slice(middle));
    return {
      report: {
        applied: first.report.applied + second.report.applied,
        failed: first.report.failed + second.report.failed,
        deferred: first.report.deferred + second.report.deferred,
      },
      deferredIds: [...first.deferredIds, ...second.deferredIds],
    };
  };
  if (ordered.length === 0) return { report: { applied: 0, failed: 0, deferred: 0 }, deferredIds: [] };
  // The whole set failed already: start from its halves (a set of one is the culprit itself) —
  // unless some of it was done meanwhile (a job taken over), then what is left is tried first.
  return applyHalves(ordered, ordered.length === messageIds.length ? error : undefined);
}

/** The messages among `ids` not done yet, in acceptance order. */
async function stillToDo(pool: pg.Pool, ids: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM messages WHERE id = ANY($1::uuid[]) AND ${notDoneYet()} ORDER BY seq`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/**
 * Locks the messages among `messageIds` not done yet, in acceptance order, with what applying them
 * takes. SKIP LOCKED: a message another worker is applying right now is that worker's.
 */
export async function claimMessages(db: pg.PoolClient, messageIds: string[]): Promise<PendingRow[]> {
  const { rows } = await db.query<Omit<PendingRow, 'keys'> & { keys: string[] | null }>(
    `SELECT m.id, m.seq, COALESCE(r.canonical, p.canonical) AS canonical, m.client_id, c.role, c.organisme,
            c.departements, c.code_guichet, m.applied_at, m.result, p.ordering_keys AS keys
       FROM messages m JOIN clients c ON c.id = m.client_id
       JOIN message_payloads p ON p.message_id = m.id
       -- An operator's corrected payload, when there is one, is what applies (the original is kept).
       LEFT JOIN message_revisions r ON r.message_id = m.id AND r.revision = m.revision
      WHERE m.id = ANY($1::uuid[]) AND ${notDoneYet('m.status')}
      ORDER BY m.seq
        FOR UPDATE OF m SKIP LOCKED`,
    [messageIds],
  );
  return withOrderingKeys(db, rows);
}

async function applyReady(
  db: pg.PoolClient,
  messageIds: string[],
  today: IsoDate,
  drawOutside: OutsideQuery,
): Promise<Applied> {
  const rows = await claimMessages(db, messageIds);
  if (rows.length === 0) return { report: { applied: 0, failed: 0, deferred: 0 }, deferredIds: [] };

  const { ready, deferred } = await splitByOrdering(db, rows);
  const { toApply, inEffect } = await splitAlreadyApplied(db, ready);
  // Every ready message (to apply, or in effect already) ends applied or failed in this transaction
  // (or none does): their ordering keys are released first, before EVENTS_LOCK is taken (held to the commit).
  await releaseKeys(db, ready);
  // The events last: EVENTS_LOCK, which every apply waits for, is held only from their insert to the commit.
  // New numéros are drawn outside: their counter is not held until this transaction commits.
  const store = new PgRegistryStore(db, { holdEvents: true, drawOutside });
  const outcomes = await applyBatch(store, toApply.map(batchItem), today);
  await recordOutcomes(db, outcomes, inEffect);
  await store.writeHeldEvents();
  return {
    report: {
      applied: outcomes.filter((o) => o.status === 'applied').length + inEffect.length,
      failed: outcomes.filter((o) => o.status === 'failed').length,
      deferred: deferred.length,
    },
    deferredIds: deferred.map((r) => r.id),
  };
}

/**
 * A message is ready when no earlier message sharing one of its keys is still to do, outside this
 * batch or deferred within it.
 */
async function splitByOrdering(db: pg.PoolClient, rows: PendingRow[]) {
  const ids = rows.map((r) => r.id);
  const earliest = await firstPendingOutside(db, [...new Set(rows.flatMap((r) => r.keys))], ids);
  const blockedFrom = new Map(earliest.map((r) => [r.key, BigInt(r.seq)]));
  return splitReady(rows, (row) => row.keys, blockedFrom);
}

/**
 * A message applied before and replayed by an operator with `force` is re-applied idempotently: when
 * the registry holds its effect (a line of its demande's history names the message), it is not
 * applied again, only recorded (attempt `already-applied`, same result); when the registry lost it
 * (restored from an older backup), it is applied as any message.
 */
async function splitAlreadyApplied(
  db: pg.PoolClient,
  rows: PendingRow[],
): Promise<{ toApply: PendingRow[]; inEffect: { id: string; result: { numeroUnique: string } }[] }> {
  const before = rows.filter((r) => r.applied_at !== null && r.result !== null);
  if (before.length === 0) return { toApply: rows, inEffect: [] };
  const { rows: found } = await db.query<{ message_id: string }>(
    `SELECT DISTINCT h.message_id FROM demande_historique h
       JOIN unnest($1::text[], $2::uuid[]) AS b(numero, id) ON h.numero_unique = b.numero AND h.message_id = b.id`,
    [before.map((r) => r.result?.numeroUnique), before.map((r) => r.id)],
  );
  const done = new Set(found.map((f) => f.message_id));
  return {
    toApply: rows.filter((r) => !done.has(r.id)),
    inEffect: before
      .filter((r) => done.has(r.id))
      .map((r) => ({ id: r.id, result: r.result as { numeroUnique: string } })),
  };
}

function batchItem(row: PendingRow): BatchItem {
  const actor = actorOf({
    clientId: row.client_id,
    role: row.role,
    organisme: row.organisme,
    departements: row.departements,
    codeGuichet: row.code_guichet,
  });
  return { messageId: row.id, actor, command: row.canonical };
}

interface OutcomeRow {
  id: string;
  status: 'applied' | 'failed';
  outcome: 'applied' | 'already-applied' | 'failed';
  result: { numeroUnique: string } | null;
  error: object | null;
}

const OUTCOME_COLUMNS: Column<OutcomeRow>[] = [
  { name: 'id', type: 'uuid', value: (o) => o.id },
  { name: 'status', type: 'text', value: (o) => o.status },
  { name: 'outcome', type: 'text', value: (o) => o.outcome },
  { name: 'result', type: 'jsonb', value: (o) => jsonText(o.result) },
  { name: 'error', type: 'jsonb', value: (o) => jsonText(o.error) },
];

/**
 * Each message's outcome, and its attempt (time, outcome, error), in the transaction that applied it
 * (which released its ordering keys before applying it). The attempt's number is the message's count
 * plus one, on its row locked by the claim: never taken already (a plain INSERT, as `markFailed`).
 */
async function recordOutcomes(
  db: pg.PoolClient,
  outcomes: BatchOutcome[],
  inEffect: { id: string; result: { numeroUnique: string } }[] = [],
): Promise<void> {
  if (outcomes.length === 0 && inEffect.length === 0) return;
  const rows: OutcomeRow[] = [
    ...outcomes.map(
      (o): OutcomeRow =>
        o.status === 'applied'
          ? {
              id: o.messageId,
              status: 'applied',
              outcome: 'applied',
              result: { numeroUnique: o.numeroUnique },
              error: null,
            }
          : {
              id: o.messageId,
              status: 'failed',
              outcome: 'failed',
              result: null,
              error: { code: o.code, message: o.message, ...(o.details ? { details: o.details } : {}) },
            },
    ),
    // Already in effect: the first application's time stays its appliedAt.
    ...inEffect.map(
      (m): OutcomeRow => ({
        id: m.id,
        status: 'applied',
        outcome: 'already-applied',
        result: m.result,
        error: null,
      }),
    ),
  ];
  await db.query(
    `WITH done AS (
       UPDATE messages m SET status = o.status, result = o.result, error = o.error, error_code = o.error->>'code',
              updated_at = now(),
              attempts = m.attempts + 1,
              applied_at = CASE WHEN o.outcome = 'already-applied' THEN m.applied_at
                                WHEN o.status = 'applied' THEN now() END
         FROM ${unnestColumns(OUTCOME_COLUMNS)} AS o WHERE m.id = o.id
       RETURNING m.id, m.attempts, o.outcome, o.error)
     INSERT INTO message_attempts (message_id, attempt, outcome, error)
     SELECT id, attempts, outcome, error FROM done`,
    columnParameters(OUTCOME_COLUMNS, rows),
  );
}

/**
 * A transient error (the transaction rolled back): the attempt is counted and recorded on its own,
 * outcome `error`, so that operators see each try (the message is `processing` until it is done);
 * the last one is then recorded `failed` (RETRIES_EXHAUSTED).
 */
async function recordTransientAttempt(pool: pg.Pool, ids: string[], error: Error): Promise<void> {
  await pool.query(
    `WITH tried AS (
       UPDATE messages SET status = 'processing', attempts = attempts + 1, updated_at = now()
        WHERE id = ANY($1::uuid[]) AND ${notDoneYet()}
       RETURNING id, attempts)
     INSERT INTO message_attempts (message_id, attempt, outcome, error)
     SELECT id, attempts, 'error', $2::jsonb FROM tried
     ON CONFLICT DO NOTHING`,
    // Never the database's own message (it may quote a value of the message): its code and class.
    [ids, JSON.stringify({ code: 'TRANSIENT', message: safeErrorSummary(error) })],
  );
}

/** Messages that could not be applied: failed with `failure`, their keys released; they wait for an operator. */
async function markFailed(pool: pg.Pool, ids: string[], failure: MessageFailure): Promise<void> {
  await withTransaction(pool, async (db) => {
    await db.query(
      `WITH done AS (
         UPDATE messages SET status = 'failed', error = $2::jsonb, error_code = $2::jsonb->>'code', updated_at = now(),
                attempts = attempts + 1
          WHERE id = ANY($1::uuid[]) AND ${notDoneYet()}
         RETURNING id, attempts)
       INSERT INTO message_attempts (message_id, attempt, outcome, error)
       SELECT id, attempts, 'failed', $2::jsonb FROM done`,
      [ids, JSON.stringify(failure)],
    );
    await releaseKeysOf(db, ids);
  });
}

/** Messages waiting for an earlier one get a job of their own, tried again a little later. */
async function defer(options: ApplyOptions, job: Job<ApplyJobData>, ids: string[]): Promise<void> {
  const deferrals = (job.data.deferrals ?? 0) + 1;
  const jobId = `defer-${randomUUID()}`;
  // Waiting is not an attempt: the message stays (or is back to) `accepted`, no attempt counted.
  await options.pool.query(
    `UPDATE messages SET job_id = $2, status = 'accepted'
      WHERE id = ANY($1::uuid[]) AND ${notDoneYet()}`,
    [ids, jobId],
  );
  await options.queue.add(
    'apply',
    { messageIds: ids, deferrals },
    { jobId, delay: Math.min(options.deferDelayMs * 2 ** Math.min(deferrals - 1, 6), 10_000) },
  );
}
