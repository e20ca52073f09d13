import type { Queue } from 'bullmq';

/**
 * The same queue, except that the first time a job or its state is asked of Redis (`getJobState`,
 * `getJob`), `meanwhile` runs first: what a worker does while a reconciler is between reading
 * PostgreSQL and asking Redis (a job ends, its rows are settled). Everything else goes to the real
 * queue.
 */
export function askedWhile<Q extends Queue>(queue: Q, meanwhile: () => Promise<unknown>): Q {
  let ran = false;
  return new Proxy(queue, {
    get(target, key) {
      if (key === 'getJobState' || key === 'getJob') {
        return async (jobId: string) => {
          if (!ran) {
            ran = true;
            await meanwhile();
          }
          return key === 'getJob' ? target.getJob(jobId) : target.getJobState(jobId);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
