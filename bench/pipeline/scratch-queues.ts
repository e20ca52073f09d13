/**
 * Scratch queue prefixes for the benches. Each run's hub has BullMQ queues of its own
 * (`SNE_QUEUE_PREFIX`), and BullMQ keeps their jobs after they are done (the hub's retention of
 * completed and failed jobs): once the hub has stopped, its keys are dropped, as its scratch
 * database is, so that runs do not pile keys up in Redis (a webhooks run left 18,000).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A prefix of its own for one bench run's queues: `bench<kind><random>`. */
export function scratchQueuePrefix(kind: string): string {
  return `bench${kind}${randomBytes(4).toString('hex')}`;
}

/** Deletes every key of the queues under `prefix` (a stopped hub's). */
export async function dropScratchQueues(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
