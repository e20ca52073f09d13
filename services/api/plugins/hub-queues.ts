import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MAINTENANCE_QUEUE, RPLS_QUEUE } from '../../pipeline/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every BullMQ queue of the hub, for the metrics and the queues' dashboard (read and admin, never work). */
    hubQueues: Queue[];
  }
}

/**
 * The hub's four queues as handles on the shared Redis connection: apply and webhooks from the
 * infrastructure, maintenance (the sweeps) and RPLS merges opened here and closed with the app.
 */
async function hubQueuesPlugin(app: FastifyInstance) {
  const own = [MAINTENANCE_QUEUE, RPLS_QUEUE].map((name) => {
    const queue = new Queue(name, { connection: app.redis, prefix: app.config.queuePrefix });
    // Redis away: the metrics say so by failing their scrape; nothing to do here.
    queue.on('error', () => {});
    return queue;
  });
  app.decorate('hubQueues', [app.applyQueue as Queue, app.webhookQueue as Queue, ...own]);
  app.addHook('onClose', async () => {
    await Promise.all(own.map((q) => q.close()));
  });
}

export default fp(hubQueuesPlugin, { name: 'sne-hub-queues', dependencies: ['sne-infrastructure'] });
