import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './helpers/database.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/**
 * Routes that need Redis or PostgreSQL while one of them is away answer at once: a BullMQ command
 * waits for Redis to come back, and a route must not wait with it. Found by driving the hub with
 * each service cut: an operator's replay, GET /metrics and the queues dashboard's API hung until
 * Redis returned, and the dashboard answered a database outage with bull-board's own JSON (500,
 * the database's address in it) instead of a 503 problem.
 */
let redisProxy: TcpProxy;
let postgresProxy: TcpProxy;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let hub: TestHub;
let operator: string;
let bailleur: string;

beforeAll(async () => {
  const redis = new URL(inject('redisUrl'));
  redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  database = await createTestDatabase();
  const postgres = new URL(database.url);
  postgresProxy = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
  hub = await startTestHub({
    workers: false,
    env: {
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}${redis.pathname}`,
      DATABASE_URL: Object.assign(new URL(database.url), { host: `127.0.0.1:${postgresProxy.port}` }).href,
    },
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
});

afterAll(async () => {
  await redisProxy?.restore();
  await postgresProxy?.restore();
  await hub?.close();
  await redisProxy?.close();
  await postgresProxy?.close();
  await database?.drop();
});

/** The reply, or undefined when none came within 10 s (the route waited for the service). */
function answered(reply: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse | undefined> {
  return Promise.race([
    reply,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
  ]);
}

const asOperator = (url: string, token = operator) =>
  hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('Redis away', () => {
  it('a replay is answered once committed, its message accepted for the reconciler', async () => {
    const reply = await postLot(
      hub.app,
      bailleur,
      lot(enregistrement({ id: 'E1', nom: 'Absent', typologie: 'T9' })),
    );
    const messageId = reply.json<LotReply>().messages[0]?.messageId as string;
    await redisProxy.cut();
    try {
      const replay = await answered(
        hub.app.inject({
          method: 'POST',
          url: `/ops/messages/${messageId}/replay`,
          headers: { authorization: `Bearer ${operator}` },
          payload: {
            reason: 'typologie corrigée',
            payload: enregistrement({ id: 'E1', nom: 'Absent', typologie: 'T4' }),
          },
        }),
      );
      expect(replay, 'the replay waited for Redis').toBeDefined();
      expect(replay?.statusCode, replay?.body).toBe(202);
      const { rows } = await hub.pool.query('SELECT status FROM messages WHERE id = $1', [messageId]);
      expect(rows).toEqual([{ status: 'accepted' }]);
    } finally {
      await redisProxy.restore();
    }
  });

  it("the metrics give PostgreSQL's figures and say the queues' are missing; the dashboard's API is 503", async () => {
    await redisProxy.cut();
    try {
      const metrics = await answered(asOperator('/metrics'));
      expect(metrics, 'GET /metrics waited for Redis').toBeDefined();
      expect(metrics?.statusCode).toBe(200);
      expect(metrics?.body).toContain('sne_queues_answered 0');
      expect(metrics?.body).not.toMatch(/^sne_queue_jobs\{/m);
      // Read from PostgreSQL: there all the same.
      expect(metrics?.body).toMatch(/^sne_apply_latency_seconds_count \d+$/m);

      const dashboard = await answered(asOperator('/ops/queues/api/queues'));
      expect(dashboard, "the dashboard's API waited for Redis").toBeDefined();
      expect(dashboard?.statusCode).toBe(503);
      expect(dashboard?.headers['content-type']).toContain('application/problem+json');
      expect(dashboard?.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await redisProxy.restore();
    }
    const back = await asOperator('/metrics');
    expect(back.body).toContain('sne_queues_answered 1');
    expect(back.body).toMatch(/^sne_queue_jobs\{queue="sne-apply",state="waiting"\} \d+$/m);
  });
});

describe('PostgreSQL away', () => {
  it("the queues dashboard's API answers a 503 problem, not bull-board's own error", async () => {
    // A token the hub has not seen yet: checking it needs PostgreSQL.
    const another = await provision(hub.app, { id: 'ops-2', role: 'operator', departements: ['*'] });
    await postgresProxy.cut();
    try {
      const reply = await answered(asOperator('/ops/queues/api/queues', another));
      expect(reply?.statusCode, reply?.body).toBe(503);
      expect(reply?.headers['content-type']).toContain('application/problem+json');
      expect(reply?.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(reply?.body).not.toContain(String(postgresProxy.port));
    } finally {
      await postgresProxy.restore();
    }
  });
});
