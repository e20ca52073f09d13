import { randomUUID } from 'node:crypto';
import { type ConnectionOptions, Queue } from 'bullmq';
import type pg from 'pg';
import { type Queryable, withTransaction } from '../../db/pool.ts';
import { type ApplyJobData, LIVE_STATES } from '../queues.ts';
import { filterCondition, type MessageFilter } from './message-filter.ts';
import { type BulkReplayStatus, replayChunk } from './message-replay.ts';
import type { Revisers } from './revisers.ts';

export const OPS_QUEUE = 'sne-ops';

/** What a background job carries: the id of its row in `ops_jobs`, where its work and progress are. */
export interface OpsJobData {
  jobId: string;
}

/**
 * Messages replayed per transaction of a bulk replay, in the background or within the request: a
 * chunk holds an advisory lock per ordering key of its messages until it commits, and PostgreSQL's
 * shared lock table (README: Horizontal scale) must hold them beside the intake's.
 */
export const REPLAY_CHUNK = 500;

export function createOpsQueue(connection: ConnectionOptions, prefix: string): Queue<OpsJobData> {
  const queue = new Queue<OpsJobData>(OPS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  // Redis away: the job's row is in PostgreSQL, and the reconciler adds it again.
  queue.on('error', () => {});
  return queue;
}

/** A background job as operators follow it (GET /ops/jobs/{jobId}). */
export interface OpsJobView {
  jobId: string;
  kind: string;
  status: 'running' | 'completed' | 'failed';
  actor: string;
  reason: string;
  filter: MessageFilter;
  /** Messages that matched when the job was asked for. */
  matched: number;
  /** Messages handed back to the queue so far. */
  replayed: number;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  error?: string;
}

interface OpsJobRow {
  id: string;
  kind: string;
  status: OpsJobView['status'];
  actor: string;
  reason: string;
  filter: MessageFilter;
  max_seq: string;
  matched: number;
  replayed: number;
  after_seq: string;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/**
 * Records a background bulk replay, inside the caller's transaction (with its audit line). What it
 * will replay is fixed now: the `failed` messages matching, after `afterSeq` and up to `maxSeq`.
 */
export async function createReplayJob(
  db: Queryable,
  job: {
    actor: string;
    reason: string;
    filter: MessageFilter;
    matched: number;
    afterSeq: string;
    maxSeq: string;
  },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO ops_jobs (id, kind, actor, reason, filter, after_seq, max_seq, status, matched)
     VALUES ($1, 'message-replay', $2, $3, $4, $5, $6, 'running', $7)`,
    [id, job.actor, job.reason, JSON.stringify(job.filter), job.afterSeq, job.maxSeq, job.matched],
  );
  return id;
}

export async function findOpsJob(db: Queryable, jobId: string): Promise<OpsJobView | undefined> {
  const { rows } = await db.query<OpsJobRow>('SELECT * FROM ops_jobs WHERE id = $1', [jobId]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    jobId: row.id,
    kind: row.kind,
    status: row.status,
    actor: row.actor,
    reason: row.reason,
    filter: row.filter,
    matched: row.matched,
    replayed: row.replayed,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.finished_at ? { finishedAt: row.finished_at.toISOString() } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

export interface ReplayJobDeps {
  pool: pg.Pool;
  applyQueue: Queue<ApplyJobData>;
  /** The connectors' revisers: a bulk replay of rejected messages reads each again. */
  revisers?: Revisers;
}

/**
 * Runs a background bulk replay to its end: one transaction per chunk replays the next messages,
 * writes their audit lines and moves the job's progress on, so a job taken over after a crash
 * resumes where the last commit left it and replays nothing twice. Returns the job's final view.
 */
export async function runReplayJob(
  deps: ReplayJobDeps,
  jobId: string,
  onProgress: (replayed: number, matched: number) => Promise<void> = async () => {},
): Promise<OpsJobView | undefined> {
  for (;;) {
    const step = await withTransaction(deps.pool, async (db) => {
      const { rows } = await db.query<OpsJobRow>('SELECT * FROM ops_jobs WHERE id = $1 FOR UPDATE', [jobId]);
      const job = rows[0];
      if (job?.status !== 'running') return undefined;
      const where = filterCondition(job.filter, 3);
      const chunk = await replayChunk(
        db,
        (job.filter.status ?? 'failed') as BulkReplayStatus,
        where,
        { afterSeq: job.after_seq, maxSeq: job.max_seq, limit: REPLAY_CHUNK },
        deps.revisers,
      );
      if (!chunk.lastSeq) {
        await db.query(
          `UPDATE ops_jobs SET status = 'completed', updated_at = now(), finished_at = now() WHERE id = $1`,
          [jobId],
        );
        return undefined;
      }
      await db.query(
        `INSERT INTO audit (actor, action, target, reason, details)
         SELECT $1, 'message.replay', id::text, $2, jsonb_build_object('bulk', $3::text) FROM unnest($4::uuid[]) AS id`,
        [job.actor, job.reason, jobId, chunk.messageIds],
      );
      await db.query(
        `UPDATE ops_jobs SET after_seq = $2, replayed = replayed + $3, updated_at = now() WHERE id = $1`,
        [jobId, chunk.lastSeq, chunk.messageIds.length],
      );
      return { jobs: chunk.jobs, replayed: job.replayed + chunk.messageIds.length, matched: job.matched };
    });
    if (!step) break;
    // After commit: if Redis loses these, the apply reconciler finds the messages accepted and queues them.
    await deps.applyQueue.addBulk(
      step.jobs.map((j) => ({ name: 'apply', data: { messageIds: j.messageIds }, opts: { jobId: j.jobId } })),
    );
    await onProgress(step.replayed, step.matched);
  }
  return findOpsJob(deps.pool, jobId);
}

/** A job that ran out of attempts: operators see why. */
export async function failOpsJob(pool: pg.Pool, jobId: string, error: string): Promise<void> {
  await pool.query(
    `UPDATE ops_jobs SET status = 'failed', error = $2, updated_at = now(), finished_at = now()
      WHERE id = $1 AND status = 'running'`,
    [jobId, error],
  );
}

/**
 * Background jobs still running in PostgreSQL whose BullMQ job is gone (Redis flushed, or the add
 * after commit never happened): added again. The job id is the row's id, so a live job is left alone.
 */
export async function reconcileOpsJobs(
  pool: pg.Pool,
  queue: Queue<OpsJobData>,
  graceMs: number,
): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM ops_jobs WHERE status = 'running' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)`,
    [graceMs],
  );
  let added = 0;
  for (const { id } of rows) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : 'unknown';
    if (LIVE_STATES.has(state)) continue;
    // A run that ended while its state was asked has settled its row: nothing to run again.
    const { rowCount } = await pool.query(`SELECT 1 FROM ops_jobs WHERE id = $1 AND status = 'running'`, [
      id,
    ]);
    if (!rowCount) continue;
    // A completed or failed BullMQ job with a running row: its last run stopped early; run it again.
    if (job) await job.remove().catch(() => {});
    await queue.add('replay', { jobId: id }, { jobId: id });
    added++;
  }
  return added;
}
