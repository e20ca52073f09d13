import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

/**
 * A Redis connection for counting requests (the rate limits, refused tokens), closed with the app.
 * Its own connection: the queues' one waits for Redis forever when it is away (BullMQ needs that),
 * whereas a count must never hold a request. Offline, commands fail at once and the caller lets the
 * request through: losing the counts must not stop the registry.
 */
export function limiterRedis(app: FastifyInstance): Redis {
  const redis = new Redis(app.config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
  });
  redis.on('error', () => {});
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}
