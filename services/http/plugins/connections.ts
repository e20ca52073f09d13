import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Infrastructure } from '../../pipeline/infrastructure.ts';
import type { ApplyJobData, WebhookJobData } from '../../pipeline/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's PostgreSQL pool. */
    pg: pg.Pool;
    /** The Redis connection the queues use; also for health checks. */
    redis: Redis;
    /** Messages to apply, one job per lot or single message. */
    applyQueue: Queue<ApplyJobData>;
    /** Webhook deliveries, one job per attempt. */
    webhookQueue: Queue<WebhookJobData>;
  }
}

/**
 * The process's connections, as decorators. They belong to the entry that created them (it
 * shares them with the workers of the same process), so this plugin does not close them.
 */
async function connectionsPlugin(
  app: FastifyInstance,
  { infrastructure }: { infrastructure: Infrastructure },
) {
  app.decorate('pg', infrastructure.pool);
  app.decorate('redis', infrastructure.redis);
  app.decorate('applyQueue', infrastructure.applyQueue);
  app.decorate('webhookQueue', infrastructure.webhookQueue);
}

export default fp(connectionsPlugin, { name: 'sne-connections' });
