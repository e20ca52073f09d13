import { type ConnectionOptions, Queue } from 'bullmq';

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
