import { type ConnectionOptions, type Job, Queue } from 'bullmq';

export const APPLY_QUEUE = 'sne-apply';
export const MAINTENANCE_QUEUE = 'sne-maintenance';

/** What an apply job carries: ids only. The messages themselves live in PostgreSQL. */
export interface ApplyJobData {
  /** The messages to apply, in any order (they are applied in acceptance order). */
  messageIds: string[];
  /** How many times these messages already waited for an earlier message of the same demande. */
  deferrals?: number;
}

export interface QueueSettings {
  connection: ConnectionOptions;
  /** BullMQ key prefix; distinct hubs or tests sharing one Redis use distinct prefixes. Default `sne`. */
  prefix: string;
  /** Attempts of an apply job before its messages are marked failed. */
  attempts: number;
  /** First retry delay of an apply job, in ms, doubled at each attempt. */
  backoffMs: number;
}

export function createApplyQueue(settings: QueueSettings): Queue<ApplyJobData> {
  return new Queue<ApplyJobData>(APPLY_QUEUE, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

export const WEBHOOK_QUEUE = 'sne-webhooks';

/**
 * A webhook job: one attempt at one delivery (a retry, a replay, a re-plan), or the first attempt
 * at a batch of one subscriber's deliveries (the fan-out's). Their state lives in PostgreSQL.
 */
export type WebhookJobData = { deliveryId: string } | { deliveryIds: string[] };

export function createWebhookQueue(
  settings: Pick<QueueSettings, 'connection' | 'prefix'>,
): Queue<WebhookJobData> {
  return new Queue<WebhookJobData>(WEBHOOK_QUEUE, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      // Retries follow the webhook schedule, recorded in PostgreSQL: each attempt is its own job.
      attempts: 1,
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

/** The id of an attempt's own job: a second enqueue of the same attempt is a no-op. */
export function webhookJobId(deliveryId: string, attempt: number): string {
  return `${deliveryId}.${attempt}`;
}

/**
 * The job of one attempt, under `webhookJobId`. A job planned again after the attempt's own job ran
 * (the reconciler's, a replay's after a lease) names itself apart with `jobId`.
 */
export function webhookJob(
  deliveryId: string,
  attempt: number,
  delayMs = 0,
  jobId = webhookJobId(deliveryId, attempt),
) {
  return {
    name: 'deliver',
    data: { deliveryId },
    opts: { jobId, ...(delayMs > 0 ? { delay: delayMs } : {}) },
  };
}

/** The job of a fan-out batch, under the id recorded in its deliveries' `job_id`. */
export function webhookBatchJob(jobId: string, deliveryIds: string[]) {
  return { name: 'deliver-batch', data: { deliveryIds }, opts: { jobId } };
}

export const RPLS_QUEUE = 'sne-rpls';

/** An RPLS merge job: the import's rows are staged in PostgreSQL, the job carries its id only. */
export interface RplsJobData {
  importId: string;
}

export function createRplsQueue(settings: Pick<QueueSettings, 'connection' | 'prefix'>): Queue<RplsJobData> {
  return new Queue<RplsJobData>(RPLS_QUEUE, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      // Transient errors only (the merge is one transaction, idempotent); then the import is failed.
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

/** The merge job of an import; the reconciler uses a fresh job id when the previous job is gone. */
export function mergeJob(importId: string, jobId = `merge-${importId}`) {
  return { name: 'merge', data: { importId }, opts: { jobId } };
}

/** Whether this run of the job is its last attempt: if it fails, BullMQ will not try it again. */
export function isLastAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Job states in which a job will still run: what it carries needs no other job. */
export const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/** Job states asked of Redis at once. */
const CHECKS_AT_ONCE = 50;

/**
 * Which of these jobs Redis still holds live (waiting, active, delayed…): the reconcilers queue
 * again only what PostgreSQL says is not done and whose job is not among them.
 */
export async function liveJobs(
  queue: Pick<Queue, 'getJobState'>,
  jobIds: readonly string[],
): Promise<Set<string>> {
  const distinct = [...new Set(jobIds)];
  const live = new Set<string>();
  for (let i = 0; i < distinct.length; i += CHECKS_AT_ONCE) {
    const chunk = distinct.slice(i, i + CHECKS_AT_ONCE);
    const states = await Promise.all(chunk.map((jobId) => queue.getJobState(jobId)));
    chunk.forEach((jobId, k) => {
      if (LIVE_STATES.has(states[k] as string)) live.add(jobId);
    });
  }
  return live;
}
