import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { applicationName, createPool } from '../db/pool.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { type ApplyJobData, createApplyQueue, createWebhookQueue, type WebhookJobData } from './queues.ts';

/** The connections a hub process holds: one pool, one queue handle, closed together. */
export interface Infrastructure {
  pool: pg.Pool;
  applyQueue: Queue<ApplyJobData>;
  webhookQueue: Queue<WebhookJobData>;
  /** The connection the queue uses; also for health checks. */
  redis: Redis;
  close(): Promise<void>;
}

export function redisConnection(url: string): Redis {
  // BullMQ requires maxRetriesPerRequest null: commands wait for Redis to come back instead of failing.
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function createInfrastructure(config: Config): Infrastructure {
  const pool = createPool({
    connectionString: config.databaseUrl,
    applicationName: applicationName(config.roles.join(',')),
    idleInTransactionMs: config.pgIdleInTransactionMs,
  });
  const redis = redisConnection(config.redisUrl);
  redis.on('error', () => {});
  const applyQueue = createApplyQueue({
    connection: redis,
    prefix: config.queuePrefix,
    attempts: config.applyAttempts,
    backoffMs: config.applyBackoffMs,
  });
  // A queue whose Redis is away emits errors; the messages are safe in PostgreSQL meanwhile.
  applyQueue.on('error', () => {});
  const webhookQueue = createWebhookQueue({ connection: redis, prefix: config.queuePrefix });
  webhookQueue.on('error', () => {});
  return {
    pool,
    applyQueue,
    webhookQueue,
    redis,
    async close() {
      await applyQueue.close();
      await webhookQueue.close();
      redis.disconnect();
      await pool.end();
    },
  };
}

/** Creates the database named by the URL when it does not exist yet, then applies the migrations. */
export async function prepareDatabase(config: Config, log: Logger): Promise<void> {
  const url = new URL(config.databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).href,
  });
  // Its connection lost between two statements fails the next one (caught below), not the process.
  admin.on('error', () => {});
  try {
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
      log.info({ database }, 'database created');
    }
  } catch (error) {
    // No right to create databases, or no `postgres` database: the URL's own database must exist then.
    log.debug({ err: (error as Error).message }, 'database not checked');
  } finally {
    await admin.end().catch(() => {});
  }
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: 1,
    applicationName: applicationName('migrate'),
    // A migration runs its statements back to back (a long CREATE INDEX is active, not idle).
    idleInTransactionMs: config.pgIdleInTransactionMs,
  });
  try {
    const applied = await whileUnavailable(() => migrate(pool), log);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  } finally {
    await pool.end();
  }
}

/** How long a process starting waits for PostgreSQL to accept connections (restarting, recovering). */
const STARTUP_WAIT_MS = 60_000;

/** Runs `work`, again every second while PostgreSQL is unavailable, for at most `STARTUP_WAIT_MS`. */
async function whileUnavailable<T>(work: () => Promise<T>, log: Logger): Promise<T> {
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > deadline) throw error;
      log.warn({ err: (error as Error).message }, 'PostgreSQL unavailable, trying again');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
