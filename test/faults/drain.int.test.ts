import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubProcess, stopAllHubProcesses } from '../helpers/processes.ts';
import {
  type PrivatePostgres,
  type PrivateRedis,
  requirePrivateServices,
  startPrivatePostgres,
  startPrivateRedis,
} from './private-services.ts';

/**
 * SIGTERM drains a process: the API stops taking requests, the workers finish their jobs. BullMQ's
 * close waits for Redis, so with Redis away a scheduler whose reconciler was adding jobs (or a
 * worker amid one) never exited, and an orchestrator had to kill it. Past SNE_DRAIN_LIMIT_MS the process now exits by itself: nothing is
 * lost, a job's messages are in PostgreSQL and its lock expires for another worker.
 */
requirePrivateServices('the drain test');

describe('a process told to stop while Redis is away', () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  }, 180_000);

  afterAll(async () => {
    await stopAllHubProcesses();
    await redis?.stop();
    await postgres?.stop();
  });

  it('exits by itself once its drain limit has passed', async () => {
    const process = startHubProcess({
      SNE_ADMIN_TOKEN: 'drain-admin-token-0123456789',
      DATABASE_URL: postgres.url('sne'),
      REDIS_URL: redis.url,
      SNE_ROLES: 'worker,scheduler',
      SNE_DRAIN_LIMIT_MS: '3000',
      SNE_RECONCILE_INTERVAL_MS: '200',
    });
    await process.ready(60_000);
    // Gone rather than frozen, for a while: BullMQ's connections are reconnecting, and its close
    // waits for a reconnection that does not come.
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // stop() sends SIGTERM, and SIGKILL after 30 s: a kill would show as the exit's signal.
    const exit = await process.stop(30_000);
    expect(exit, process.output()).toEqual({ code: 1, signal: null });
    expect(process.output()).toContain('drain not finished in time');
  }, 120_000);
});
