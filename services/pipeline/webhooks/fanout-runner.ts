import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import { safeErrorSummary } from '../../db/safe-error.ts';
import type { EventNotifier } from '../event-notifier.ts';
import { type WebhookJobData, webhookBatchJob } from '../queues.ts';
import { fanOut, type NewDelivery } from './fanout.ts';

export interface FanOutRunnerOptions {
  pool: pg.Pool;
  queue: Queue<WebhookJobData>;
  notifier: EventNotifier;
  /** Also runs this often (ms), in case a notification was missed. */
  intervalMs: number;
  log: Logger;
}

/** The jobs of new deliveries: one per `job` the fan-out gave them, with its deliveries in order. */
export function batchJobs(created: NewDelivery[]) {
  const batches = new Map<string, string[]>();
  for (const { id, job } of created) {
    const ids = batches.get(job);
    if (ids) ids.push(id);
    else batches.set(job, [id]);
  }
  return [...batches].map(([job, ids]) => webhookBatchJob(job, ids));
}

/**
 * Runs the fan-out whenever events are committed (and on a timer), one run at a time per
 * process; a notification during a run starts another one right after it.
 */
export function startFanOut({ pool, queue, notifier, intervalMs, log }: FanOutRunnerOptions) {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async () => {
    do {
      again = false;
      try {
        // Each transaction's deliveries are queued as soon as it commits, one job per batch of a subscriber's.
        await fanOut(pool, async (created) => {
          // Redis away: the deliveries are in PostgreSQL, the reconciler queues them; go on with the rest.
          await queue
            .addBulk(batchJobs(created))
            .catch((error: Error) =>
              log.warn({ err: safeErrorSummary(error) }, 'webhook deliveries not queued yet'),
            );
        });
      } catch (error) {
        // The deliveries are in PostgreSQL; the reconciler queues them if their jobs were not.
        log.warn({ err: safeErrorSummary(error) }, 'webhook fan-out could not complete');
      }
    } while (again);
  };
  const trigger = () => {
    if (running) {
      again = true;
      return;
    }
    running = run().finally(() => {
      running = undefined;
    });
  };
  const unsubscribe = notifier.onEvents(trigger);
  const timer = setInterval(trigger, intervalMs);
  trigger();
  return {
    async close() {
      unsubscribe();
      clearInterval(timer);
      await running;
    },
  };
}
