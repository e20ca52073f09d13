import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { ApplyJobData } from './queues.ts';

/** Job states in which the job will still run: its messages need nothing more. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
const JOB_SIZE = 500;

/**
 * PostgreSQL says which messages are not done; Redis may have lost their jobs (flushed, restarted
 * empty, or the process died between commit and enqueue). For every such message whose job is no
 * longer live, queue a new job. Returns how many messages were queued again.
 */
export async function reconcile(
  pool: pg.Pool,
  queue: Queue<ApplyJobData>,
  /** Messages younger than this (ms) are left alone: their job is probably being added. */
  graceMs: number,
): Promise<number> {
  // `status <> 'applied'`: the predicate of messages_status_seq, which holds the messages not done.
  const { rows } = await pool.query<{ job_id: string | null; ids: string[] }>(
    `SELECT job_id, array_agg(id ORDER BY seq) AS ids FROM messages
      WHERE status IN ('accepted', 'processing') AND status <> 'applied' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
      GROUP BY job_id`,
    [graceMs],
  );
  let requeued = 0;
  for (const { job_id, ids } of rows) {
    if (job_id && (await isLive(queue, job_id))) continue;
    for (let i = 0; i < ids.length; i += JOB_SIZE) {
      const chunk = ids.slice(i, i + JOB_SIZE);
      const jobId = `reconcile-${randomUUID()}`;
      await pool.query('UPDATE messages SET job_id = $2, updated_at = now() WHERE id = ANY($1::uuid[])', [
        chunk,
        jobId,
      ]);
      await queue.add('apply', { messageIds: chunk }, { jobId });
      requeued += chunk.length;
    }
  }
  return requeued;
}

async function isLive(queue: Queue<ApplyJobData>, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return false;
  return LIVE_STATES.has(await job.getState());
}
