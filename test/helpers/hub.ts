import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import pino from 'pino';
import { expect, inject } from 'vitest';
import { buildApp, connectorRevisers } from '../../services/api/app.ts';
import { type Config, loadConfig } from '../../services/config/config.ts';
import { loggerOptions } from '../../services/config/logger.ts';
import type { CloudEvent } from '../../services/pipeline/events.ts';
import { createInfrastructure, type Infrastructure } from '../../services/pipeline/infrastructure.ts';
import { type Stoppable, startWorkers } from '../../services/pipeline/workers.ts';
import { createTestDatabase } from './database.ts';
import { type ReplyConformance, watchReplies } from './reply-conformance.ts';
import { type LotReply, lot, postLot } from './spt.ts';
import { waitForMessagesDone } from './wait.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestHub {
  app: FastifyInstance;
  config: Config;
  env: Record<string, string>;
  infrastructure: Infrastructure;
  pool: pg.Pool;
  /** Starts in-process workers (the default) — or none, for tests that run them as child processes. */
  workers?: Stoppable;
  /** Every reply checked against /openapi.json (absent with `checkReplies: false`). */
  replies?: ReplyConformance;
  close(): Promise<void>;
}

export interface TestHubOptions {
  workers?: boolean;
  env?: Record<string, string>;
  /** Where the logs go (tests that read them); default: nowhere. */
  logStream?: pino.DestinationStream;
  /**
   * Check every reply against /openapi.json as it is sent; `close()` then fails on any reply the
   * document does not describe. Default true.
   */
  checkReplies?: boolean;
}

/** A whole hub on a fresh database and a fresh BullMQ prefix, the HTTP app ready for `inject`. */
export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const database = await createTestDatabase();
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}`,
    SNE_DEFER_DELAY_MS: '20',
    SNE_APPLY_BACKOFF_MS: '50',
    LOG_LEVEL: options.logStream ? 'info' : 'silent',
    // Tests poll as fast as they can: only test/rate-limit.int.test.ts sets real limits.
    SNE_RATE_LIMIT_PER_MINUTE: JSON.stringify({
      '*': 1_000_000,
      public: 1_000_000,
      'failed-auth': 1_000_000,
    }),
    ...options.env,
  };
  const config = loadConfig(env);
  const infrastructure = createInfrastructure(config);
  const logger = options.logStream
    ? pino(loggerOptions(config.logLevel), options.logStream)
    : pino({ level: 'silent' });
  const app = await buildApp({ config, infrastructure, logger });
  const conformance = options.checkReplies === false ? undefined : watchReplies(app);
  await app.ready();
  const workers =
    options.workers === false ? undefined : startWorkers(config, infrastructure, logger, connectorRevisers());
  return {
    app,
    config,
    env,
    infrastructure,
    pool: infrastructure.pool,
    ...(workers ? { workers } : {}),
    ...(conformance ? { replies: conformance } : {}),
    async close() {
      await app.close();
      await workers?.close();
      if (infrastructure.redis.status === 'ready') {
        await infrastructure.applyQueue.obliterate({ force: true }).catch(() => {});
        await infrastructure.webhookQueue.obliterate({ force: true }).catch(() => {});
      }
      await infrastructure.close();
      await database.drop();
      conformance?.assertNone();
    },
  };
}

export interface ClientSpec {
  id: string;
  role: string;
  organisme?: string;
  departements?: string[];
  codeGuichet?: string;
  nom?: string;
}

/** Provisions a client through the admin route; returns its bearer token. */
export async function provision(app: FastifyInstance, spec: ClientSpec): Promise<string> {
  const reply = await app.inject({
    method: 'POST',
    url: '/admin/clients',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: { organisme: '123456789', nom: spec.id, departements: ['59'], ...spec },
  });
  if (reply.statusCode !== 201) throw new Error(`provisioning ${spec.id}: ${reply.statusCode} ${reply.body}`);
  return reply.json<{ token: string }>().token;
}

/** Provisions a bailleur of the Nord subscribed to webhooks at `url`; returns its token and webhook secret. */
export async function subscribe(
  app: FastifyInstance,
  spec: { id: string; codeGuichet: string; url: string },
): Promise<{ token: string; webhookSecret: string }> {
  const reply = await app.inject({
    method: 'POST',
    url: '/admin/clients',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: {
      id: spec.id,
      role: 'bailleur',
      organisme: '123456789',
      nom: spec.id,
      departements: ['59'],
      codeGuichet: spec.codeGuichet,
      webhook: { url: spec.url },
    },
  });
  if (reply.statusCode !== 201) throw new Error(`subscribing ${spec.id}: ${reply.statusCode} ${reply.body}`);
  return reply.json<{ token: string; webhookSecret: string }>();
}

export { waitFor, waitForMessagesDone } from './wait.ts';

/** A page of `GET /feeds/events` as `token` sees it (`query`: `?after=…&limit=…&wait=…`); expects 200. */
export async function readFeed(
  app: FastifyInstance,
  token: string,
  query = '',
): Promise<{ events: CloudEvent[]; next: string }> {
  const reply = await app.inject({
    method: 'GET',
    url: `/feeds/events${query}`,
    headers: { authorization: `Bearer ${token}` },
  });
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json();
}

/** Posts a lot of these messages as `token`, expects 202, waits until its messages are done; its receipt. */
export async function postLotDone(
  hub: { app: FastifyInstance; pool: pg.Pool },
  token: string,
  ...messages: string[]
): Promise<LotReply> {
  const reply = await postLot(hub.app, token, lot(...messages));
  expect(reply.statusCode, reply.body).toBe(202);
  const receipt = reply.json<LotReply>();
  await waitForMessagesDone(
    hub.pool,
    receipt.messages.map((m) => m.messageId),
  );
  return receipt;
}
