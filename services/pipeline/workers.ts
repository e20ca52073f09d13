import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { todayInParis } from '../core/dates.ts';
import { safeErrorSummary } from '../db/safe-error.ts';
import { createApplyProcessor } from './apply-worker.ts';
import { EventNotifier } from './event-notifier.ts';
import { infocentreFolder, startInfocentreFolds } from './infocentre-fold.ts';
import { type Infrastructure, redisConnection } from './infrastructure.ts';
import { runRenouvellementSweep, runRetentionSweep, SCHEDULER_ACTOR } from './maintenance.ts';
import {
  createOpsQueue,
  failOpsJob,
  OPS_QUEUE,
  type OpsJobData,
  reconcileOpsJobs,
  runReplayJob,
} from './ops/replay-job.ts';
import type { Revisers } from './ops/revisers.ts';
import { failImport, mergeImport, reconcileImports } from './parc-merge.ts';
import {
  APPLY_QUEUE,
  type ApplyJobData,
  createRplsQueue,
  isLastAttempt,
  MAINTENANCE_QUEUE,
  RPLS_QUEUE,
  type RplsJobData,
  WEBHOOK_QUEUE,
  type WebhookJobData,
} from './queues.ts';
import { reconcile } from './reconciler.ts';
import { attemptDeliveries, attemptDelivery, reconcileDeliveries } from './webhooks/delivery.ts';
import { startFanOut } from './webhooks/fanout-runner.ts';
import { webhookSecretBox } from './webhooks/secrets.ts';
import { SendSlots } from './webhooks/send-slots.ts';

export interface Stoppable {
  /** Stops taking work, lets running jobs finish, then disconnects. */
  close(): Promise<void>;
}

interface MaintenanceJob {
  kind: 'renouvellement' | 'retention';
  /** Sweep as of this date; default today. */
  asOf?: string;
}

/**
 * The `worker` role: applies messages, and runs the maintenance jobs the scheduler plans and the
 * operators' background bulk replays (`revisers`, the connectors', read rejected messages again).
 */
export function startWorkers(
  config: Config,
  infrastructure: Infrastructure,
  log: Logger,
  revisers?: Revisers,
): Stoppable {
  const fold = infocentreFolder(infrastructure.pool, log);
  const apply = new Worker<ApplyJobData>(
    APPLY_QUEUE,
    createApplyProcessor({
      pool: infrastructure.pool,
      queue: infrastructure.applyQueue,
      today: () => todayInParis(),
      deferDelayMs: config.deferDelayMs,
      ...(config.applyTransactionMessages > 0
        ? { transactionMessages: config.applyTransactionMessages }
        : {}),
      log,
      afterJob: fold,
    }),
    {
      connection: redisConnection(config.redisUrl),
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      // A job whose worker died is taken over as often as needed: the messages say when they are done.
      maxStalledCount: 1000,
    },
  );
  apply.on('failed', (job, error) =>
    log.warn({ jobId: job?.id, err: safeErrorSummary(error) }, 'apply job failed'),
  );
  apply.on('error', (error) => log.warn({ err: error.message }, 'apply worker error'));

  const maintenance = new Worker<MaintenanceJob>(
    MAINTENANCE_QUEUE,
    async (job) => {
      const asOf = job.data.asOf ?? todayInParis();
      // The daily sweeps wait for an operator's sweep of the same kind rather than fail.
      const run = { actor: SCHEDULER_ACTOR, wait: true };
      if (job.data.kind === 'retention') {
        const result = await runRetentionSweep(infrastructure.pool, asOf, run, {
          deliveriesRetentionDays: config.deliveriesRetentionDays,
        });
        log.info({ asOf, ...result }, 'retention sweep done');
        return result;
      }
      const result = await runRenouvellementSweep(infrastructure.pool, asOf, run);
      log.info({ asOf, ...result }, 'renewal sweep done');
      return result;
    },
    { connection: redisConnection(config.redisUrl), prefix: config.queuePrefix, concurrency: 1 },
  );
  maintenance.on('failed', (job, error) => {
    const details = {
      jobId: job?.id,
      kind: job?.data.kind,
      attempt: job?.attemptsMade,
      err: safeErrorSummary(error),
    };
    // An error only once no attempt is left (attemptsMade counts this one): a retry pages nobody.
    const left = job ? (job.opts.attempts ?? 1) - job.attemptsMade : 0;
    if (left > 0) log.warn({ ...details, left }, 'sweep failed, tried again later');
    else log.error(details, 'sweep failed: no attempt left');
  });
  maintenance.on('error', (error) => log.warn({ err: error.message }, 'maintenance worker error'));

  const deliveryDeps = {
    pool: infrastructure.pool,
    queue: infrastructure.webhookQueue,
    secrets: webhookSecretBox(config),
    retrySchedule: config.webhookRetrySchedule,
    send: { timeoutMs: config.webhookTimeoutMs, allowPrivate: config.webhookAllowPrivate },
    slots: new SendSlots(config.webhookConcurrency),
  };
  const webhooks = new Worker<WebhookJobData>(
    WEBHOOK_QUEUE,
    async ({ data }) =>
      'deliveryIds' in data
        ? attemptDeliveries(deliveryDeps, data.deliveryIds)
        : attemptDelivery(deliveryDeps, data.deliveryId),
    {
      connection: redisConnection(config.redisUrl),
      prefix: config.queuePrefix,
      // Sends are limited by the slots; as many jobs run, so that a batch recording its outcomes
      // (or claiming) leaves its slots to the next one.
      concurrency: config.webhookConcurrency,
      // The delivery reconciler leaves a delivery alone while its job is live (active included):
      // the job of a worker that died must come back within SNE_JOB_LOCK_MS, as apply jobs do.
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      maxStalledCount: 1000,
    },
  );
  webhooks.on('error', (error) => log.warn({ err: error.message }, 'webhook worker error'));

  // RPLS imports: one merge at a time per process (they serialise on a lock in PostgreSQL anyway).
  const rpls = new Worker<RplsJobData>(
    RPLS_QUEUE,
    async (job) => {
      try {
        const counts = await mergeImport(infrastructure.pool, job.data.importId);
        if (counts) log.info({ importId: job.data.importId, ...counts }, 'RPLS import merged');
      } catch (error) {
        // Past the last attempt the import fails rather than stays running for ever.
        if (isLastAttempt(job)) {
          await failImport(infrastructure.pool, job.data.importId, 'MERGE_FAILED');
        }
        throw error;
      }
    },
    { connection: redisConnection(config.redisUrl), prefix: config.queuePrefix, concurrency: 1 },
  );
  rpls.on('failed', (job, error) =>
    log.warn({ jobId: job?.id, err: safeErrorSummary(error) }, 'RPLS merge failed'),
  );
  rpls.on('error', (error) => log.warn({ err: error.message }, 'RPLS worker error'));

  // Operators' bulk replays too large for one request: progress in PostgreSQL, one chunk per transaction.
  const ops = new Worker<OpsJobData>(
    OPS_QUEUE,
    async (job) => {
      try {
        const done = await runReplayJob(
          {
            pool: infrastructure.pool,
            applyQueue: infrastructure.applyQueue,
            ...(revisers ? { revisers } : {}),
          },
          job.data.jobId,
          (replayed, matched) => job.updateProgress({ replayed, matched }),
        );
        log.info({ jobId: job.data.jobId, replayed: done?.replayed }, 'bulk replay done');
      } catch (error) {
        if (isLastAttempt(job)) {
          await failOpsJob(infrastructure.pool, job.data.jobId, safeErrorSummary(error));
        }
        throw error;
      }
    },
    { connection: redisConnection(config.redisUrl), prefix: config.queuePrefix, concurrency: 1 },
  );
  ops.on('error', (error) => log.warn({ err: error.message }, 'ops worker error'));

  const folds = startInfocentreFolds(fold);
  const notifier = new EventNotifier(config.databaseUrl, log);
  notifier.start();
  const fanOut = startFanOut({
    pool: infrastructure.pool,
    queue: infrastructure.webhookQueue,
    notifier,
    intervalMs: config.reconcileIntervalMs,
    log,
  });

  return {
    async close() {
      await fanOut.close();
      await notifier.close();
      await Promise.all([apply.close(), maintenance.close(), webhooks.close(), rpls.close(), ops.close()]);
      await folds.close();
    },
  };
}

/**
 * The `scheduler` role: the reconciler on a timer of its own (not a Redis job, so that it survives
 * Redis losing everything), which also re-plans the daily renewal and retention sweeps.
 */
export function startScheduler(config: Config, infrastructure: Infrastructure, log: Logger): Stoppable {
  const maintenance = new Queue<MaintenanceJob>(MAINTENANCE_QUEUE, {
    connection: infrastructure.redis,
    prefix: config.queuePrefix,
  });
  maintenance.on('error', () => {});
  const rpls = createRplsQueue({ connection: infrastructure.redis, prefix: config.queuePrefix });
  rpls.on('error', () => {});
  const opsQueue = createOpsQueue(infrastructure.redis, config.queuePrefix);
  let running: Promise<void> | undefined;
  // Where the apply reconciler's next pass starts (it reads a page of the backlog a pass).
  let applyAfter: string | undefined;
  // Each step on its own: one that fails (Redis or PostgreSQL away) does not skip the others.
  const step = async (name: string, work: () => Promise<number>, lost: string) => {
    try {
      const count = await work();
      if (count > 0) log.warn({ [name]: count }, lost);
    } catch (error) {
      log.warn({ step: name, err: safeErrorSummary(error) }, 'reconciler step could not run');
    }
  };
  const tick = async () => {
    await planSweeps(maintenance, config.sweepCron).catch((error: unknown) =>
      log.warn({ err: safeErrorSummary(error) }, 'the daily sweeps could not be planned'),
    );
    await step(
      'requeued',
      async () => {
        const pass = await reconcile(
          infrastructure.pool,
          infrastructure.applyQueue,
          config.reconcileGraceMs,
          applyAfter,
        );
        applyAfter = pass.after;
        return pass.requeued;
      },
      'reconciler queued messages whose jobs were lost',
    );
    await step(
      'replanned',
      () => reconcileDeliveries(infrastructure.pool, infrastructure.webhookQueue, config.reconcileGraceMs),
      'reconciler queued webhook deliveries whose jobs were lost',
    );
    await step(
      'imports',
      () => reconcileImports(infrastructure.pool, rpls, config.reconcileGraceMs),
      'reconciler queued RPLS merges whose jobs were lost',
    );
    await step(
      'bulk',
      () => reconcileOpsJobs(infrastructure.pool, opsQueue, config.reconcileGraceMs),
      'reconciler queued bulk replays whose jobs were lost',
    );
  };
  const runTick = () => {
    running ??= tick().finally(() => {
      running = undefined;
    });
  };
  // The first tick at once: a process just started plans the daily sweeps without waiting for the
  // interval, and the cron computation of their first upsert comes before the process serves much.
  runTick();
  const timer = setInterval(runTick, config.reconcileIntervalMs);
  return {
    async close() {
      clearInterval(timer);
      await running;
      await maintenance.close();
      await rpls.close();
      await opsQueue.close();
    },
  };
}

/** A daily sweep that fails (PostgreSQL restarting at 02:00) is tried again: sweeps are idempotent. */
const SWEEP_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } };

/**
 * Plans the daily renewal and retention sweeps at the same time of day in Paris, on every tick of
 * the scheduler: a Redis that lost everything gets them back. Retention at the same time of day as
 * the renewal: the maintenance worker runs one job at a time.
 */
async function planSweeps(maintenance: Queue<MaintenanceJob>, pattern: string): Promise<void> {
  await planSweep(maintenance, 'daily-renouvellement', pattern, 'renouvellement');
  await planSweep(maintenance, 'daily-retention', pattern, 'retention');
}

const SWEEP_TIME_ZONE = 'Europe/Paris';

/**
 * One daily sweep, upserted only when Redis does not hold it as planned (no scheduler, another
 * pattern, or its next job gone). An upsert computes the pattern's next time on the event loop of
 * the API process, which runs the scheduler: about 3 ms for `0 2 * * *`, and 30 ms for a rare date
 * (the benches' 29 February), every 10 s for each sweep, in the middle of the 202s' latencies.
 */
async function planSweep(
  maintenance: Queue<MaintenanceJob>,
  id: string,
  pattern: string,
  kind: MaintenanceJob['kind'],
): Promise<void> {
  const planned = await maintenance.getJobScheduler(id);
  const nextJob = planned?.next === undefined ? undefined : `repeat:${id}:${planned.next}`;
  if (
    planned?.pattern === pattern &&
    planned.tz === SWEEP_TIME_ZONE &&
    nextJob !== undefined &&
    (await maintenance.getJobState(nextJob)) !== 'unknown'
  )
    return;
  await maintenance.upsertJobScheduler(
    id,
    { pattern, tz: SWEEP_TIME_ZONE },
    { name: kind, data: { kind }, opts: SWEEP_JOB_OPTIONS },
  );
}
