import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsQueue, createReplayJob, reconcileOpsJobs } from '../services/pipeline/ops/replay-job.ts';
import { reconcileImports } from '../services/pipeline/parc-merge.ts';
import { createRplsQueue } from '../services/pipeline/queues.ts';
import { askedWhile } from './helpers/asked-queue.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

/**
 * A reconciler reads PostgreSQL, then asks Redis whether each job is still live. A job that ends in
 * between is no longer live, yet has done its work: the reconciler must not run it again. (The
 * apply and webhook reconcilers' cases are in intake-group-commit and deliveries-repair.) No
 * workers here: only the reconcilers touch these rows.
 */
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
});

afterAll(async () => {
  await hub?.close();
});

/** A bulk replay's row, `running`, as its route records it (with nothing to replay). */
function runningReplay(reason: string): Promise<string> {
  return createReplayJob(hub.pool, {
    actor: 'ops',
    reason,
    filter: { status: 'failed' },
    matched: 0,
    afterSeq: '0',
    maxSeq: '0',
  });
}

describe('a job that ends while the reconciler asks Redis about it', () => {
  it('an RPLS merge: the import completed meanwhile gets no new merge', async () => {
    const queue = createRplsQueue({ connection: hub.infrastructure.redis, prefix: hub.config.queuePrefix });
    try {
      const [ended, lost] = [randomUUID(), randomUUID()];
      for (const id of [ended, lost]) {
        await hub.pool.query(
          `INSERT INTO rpls_imports (id, client_id, mode, status, rows_read, rejected, job_id, started_at, updated_at)
           VALUES ($1, 'rpls-test', 'upsert', 'received', 0, 0, $2, now(), now() - interval '1 hour')`,
          [id, `merge-${id}`],
        );
      }
      const asked = askedWhile(queue, () =>
        hub.pool.query(`UPDATE rpls_imports SET status = 'completed', finished_at = now() WHERE id = $1`, [
          ended,
        ]),
      );
      expect(await reconcileImports(hub.pool, asked, 1000)).toBe(1);
      const { rows } = await hub.pool.query<{ id: string; job_id: string }>(
        'SELECT id, job_id FROM rpls_imports WHERE id = ANY($1::uuid[])',
        [[ended, lost]],
      );
      const jobOf = new Map(rows.map((row) => [row.id, row.job_id]));
      expect(jobOf.get(ended)).toBe(`merge-${ended}`);
      expect(jobOf.get(lost)).not.toBe(`merge-${lost}`);
      expect((await queue.getJob(jobOf.get(lost) as string))?.data).toEqual({ importId: lost });
      expect((await queue.getJobCounts('waiting')).waiting).toBe(1);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('a bulk replay: the job finished meanwhile is not run again, a lost one is', async () => {
    const queue = createOpsQueue(hub.infrastructure.redis, hub.config.queuePrefix);
    try {
      const jobId = await runningReplay('course');
      // Another whose BullMQ job was lost: that one runs again.
      const lost = await runningReplay('perdu');
      await hub.pool.query(`UPDATE ops_jobs SET updated_at = now() - interval '1 hour' WHERE id = ANY($1)`, [
        [jobId, lost],
      ]);
      const asked = askedWhile(queue, () =>
        hub.pool.query(`UPDATE ops_jobs SET status = 'completed' WHERE id = $1`, [jobId]),
      );
      expect(await reconcileOpsJobs(hub.pool, asked, 1000)).toBe(1);
      expect(await queue.getJob(jobId)).toBeUndefined();
      expect((await queue.getJob(lost))?.data).toEqual({ jobId: lost });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
