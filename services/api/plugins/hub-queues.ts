import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createOpsQueue, type OpsJobData } from '../../pipeline/ops/replay-job.ts';
import { MAINTENANCE_QUEUE, RPLS_QUEUE } from '../../pipeline/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every BullMQ queue of the hub, for the metrics and the queues' dashboard (read and admin, never work). */
    hubQueues: Queue[];
    /** The operators' background jobs (bulk replays), where `POST /ops/messages/replay` adds them. */
    opsQueue: Queue<OpsJobData>;
  }
}

/**
 * The hub's five queues as handles on the shared Redis connection: apply and webhooks from the
 * infrastructure; maintenance (the sweeps), RPLS merges and the operators' background jobs opened
 * here and closed with the app. Each is on the dashboard and in the metrics: a bulk replay's job
 * that failed is seen and retried there like any other.
 */
async function hubQueuesPlugin(app: FastifyInstance) {
  const opsQueue = createOpsQueue(app.redis, app.config.queuePrefix);
  const own = [
    ...[MAINTENANCE_QUEUE, RPLS_QUEUE].map((name) => {
      const queue = new Queue(name, { connection: app.redis, prefix: app.config.queuePrefix });
      // Redis away: the metrics say so by failing their scrape; nothing to do here.
      queue.on('error', () => {});
      return queue;
    }),
    opsQueue as Queue,
  ];
  app.decorate('hubQueues', [app.applyQueue as Queue, app.webhookQueue as Queue, ...own]);
  app.decorate('opsQueue', opsQueue);
  app.addHook('onClose', async () => {
    await Promise.all(own.map((q) => q.close()));
  });
}

export default fp(hubQueuesPlugin, {
  name: 'sne-hub-queues',
  dependencies: ['sne-config', 'sne-connections'],
});
