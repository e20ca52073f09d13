import { createConnection } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL on a database from which each test file creates its own. */
    postgresAdminUrl: string;
    /** A Redis URL; test files isolate themselves with BullMQ prefixes or database numbers. */
    redisUrl: string;
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Real PostgreSQL and Redis for the tests: the ones named by DATABASE_URL / REDIS_URL, else the
 * local services when they answer, else containers started with testcontainers (Docker needed).
 */
export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let postgresAdminUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!postgresAdminUrl && (await answers(5432)))
    postgresAdminUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (!redisUrl && (await answers(6379))) redisUrl = 'redis://127.0.0.1:6379';
  if (!postgresAdminUrl) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    postgresAdminUrl = container.getConnectionUri();
    stops.push(() => container.stop());
  }
  if (!redisUrl) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    redisUrl = container.getConnectionUrl();
    stops.push(() => container.stop());
  }
  project.provide('postgresAdminUrl', postgresAdminUrl);
  project.provide('redisUrl', redisUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}
