import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { type ApplyJobData, liveJobs } from './queues.ts';

const JOB_SIZE = 500;
/** Messages one pass reads at most: a backlog of millions is gone through over several passes. */
const PAGE_MESSAGES = 10_000;

export interface ReconcilePass {
  /** Messages queued again. */
  requeued: number;
  /** Where the next pass starts: after this `seq`, or from the start once the backlog was read to its end. */
  after: string | undefined;
}

/**
 * PostgreSQL says which messages are not done; Redis may have lost their jobs (flushed, restarted
 * empty, or the process died between commit and enqueue). For every such message whose job is no
 * longer live, queue a new job. One pass reads a page of the messages not done, in `seq` order
 * after `after`; the scheduler passes each pass's `after` to the next, so that a backlog larger
 * than a page (workers stopped for a weekend) is gone through page by page, never at once.
 */
export async function reconcile(
  pool: pg.Pool,
  queue: Queue<ApplyJobData>,
  /** Messages younger than this (ms) are left alone: their job is probably being added. */
  graceMs: number,
  after?: string,
  pageMessages = PAGE_MESSAGES,
): Promise<ReconcilePass> {
  // One ordered scan of messages_status_seq, (status, seq) WHERE status <> 'applied', per status.
  const { rows: page } = await pool.query<{ id: string; job_id: string | null; seq: string; stale: boolean }>(
    `WITH open AS (
       (SELECT id, job_id, seq, updated_at FROM messages
         WHERE status = 'accepted' AND status <> 'applied' AND seq > $1 ORDER BY seq LIMIT $2)
       UNION ALL
       (SELECT id, job_id, seq, updated_at FROM messages
         WHERE status = 'processing' AND status <> 'applied' AND seq > $1 ORDER BY seq LIMIT $2))
     SELECT id, job_id, seq, updated_at < now() - make_interval(secs => $3::float8 / 1000) AS stale
       FROM open ORDER BY seq LIMIT $2`,
    [after ?? '0', pageMessages, graceMs],
  );
  // The stale messages by the job they were last given (null: never queued), in seq order.
  const idsOf = new Map<string | null, string[]>();
  for (const { id, job_id, stale } of page) {
    if (!stale) continue;
    const ids = idsOf.get(job_id) ?? [];
    ids.push(id);
    idsOf.set(job_id, ids);
  }
  const live = await liveJobs(
    queue,
    [...idsOf.keys()].filter((job) => job !== null),
  );
  let requeued = 0;
  for (const [job, ids] of idsOf) {
    if (job !== null && live.has(job)) continue;
    for (let i = 0; i < ids.length; i += JOB_SIZE) {
      const chunk = ids.slice(i, i + JOB_SIZE);
      const jobId = `reconcile-${randomUUID()}`;
      // Only what is still open, stale and under the job asked about: a job that ended while Redis
      // was asked (no longer live) has applied its messages, and one re-planned meanwhile has a new job.
      const { rows: taken } = await pool.query<{ id: string }>(
        `UPDATE messages SET job_id = $2, updated_at = now()
          WHERE id = ANY($1::uuid[]) AND status IN ('accepted', 'processing')
            AND job_id IS NOT DISTINCT FROM $3
            AND updated_at < now() - make_interval(secs => $4::float8 / 1000)
         RETURNING id`,
        [chunk, jobId, job, graceMs],
      );
      if (taken.length === 0) continue;
      const kept = new Set(taken.map((row) => row.id));
      const messageIds = chunk.filter((id) => kept.has(id));
      await queue.add('apply', { messageIds }, { jobId });
      requeued += messageIds.length;
    }
  }
  const last = page.at(-1);
  return { requeued, after: page.length < pageMessages || !last ? undefined : last.seq };
}
