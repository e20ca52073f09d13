/**
 * The baseline of `bench:pipeline`: bare BullMQ moving no-op jobs on the same Redis, used as
 * strongly as it honestly can be: jobs added concurrently (`addBulk` in batches with several
 * batches in flight, or many single adds in flight) and the worker's concurrency tried at several
 * values in one run. Each setting is timed from the first add to the last completion.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/** How the jobs are added and how many a worker runs at once. */
export interface BaselineSetting {
  /** `bulk`: `addBulk` of `batch` jobs, `inFlight` batches at once; `single`: `inFlight` `add` calls at once. */
  adds: 'bulk' | 'single';
  batch: number;
  inFlight: number;
  concurrency: number;
}

export interface BaselineResult {
  setting: BaselineSetting;
  jobs: number;
  ms: number;
  rate: number;
}

/** A setting in words, as the bench prints it. */
export function describeSetting(s: BaselineSetting): string {
  const adds =
    s.adds === 'bulk'
      ? `addBulk ×${s.batch}, ${s.inFlight} batches in flight`
      : `add, ${s.inFlight} in flight`;
  return `${adds}; worker concurrency ${s.concurrency}`;
}

/** Moves `jobs` no-op jobs through a fresh queue (own prefix) with `setting`; removes every key after. */
export async function runBaseline(
  redisUrl: string,
  jobs: number,
  setting: BaselineSetting,
): Promise<BaselineResult> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const queueConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection: queueConnection, prefix });
  let done = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const worker = new Worker(
    'noop',
    async () => {
      if (++done === jobs) resolveAll();
    },
    {
      connection: workerConnection,
      prefix,
      concurrency: setting.concurrency,
      removeOnComplete: { count: 0 },
    },
  );
  try {
    await worker.waitUntilReady();
    const start = performance.now();
    let next = 0;
    const adder = async () => {
      if (setting.adds === 'bulk') {
        while (next < jobs) {
          const from = next;
          next = Math.min(jobs, next + setting.batch);
          const batch = [];
          for (let i = from; i < next; i++)
            batch.push({ name: 'noop', data: { i }, opts: { removeOnComplete: true } });
          await queue.addBulk(batch);
        }
      } else {
        while (next < jobs) {
          const i = next++;
          await queue.add('noop', { i }, { removeOnComplete: true });
        }
      }
    };
    await Promise.all(Array.from({ length: setting.inFlight }, adder));
    await all;
    const ms = performance.now() - start;
    return { setting, jobs, ms, rate: Math.round((jobs / ms) * 1000) };
  } finally {
    // The worker and queue do not close connections they were given: each is closed here, or the
    // process would never exit.
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await Promise.all([workerConnection.quit(), queueConnection.quit()]);
  }
}
