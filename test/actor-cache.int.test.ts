import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../services/api/app.ts';
import { createInfrastructure, type Infrastructure } from '../services/pipeline/infrastructure.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * Each API process remembers the clients it authenticated (services/api/actor-cache.ts), and
 * forgets them at every change of `clients`, which PostgreSQL notifies (migration 019): a revoked
 * or rotated token stops working in every process at once (interfaces.md: "revokes at once").
 */
let hub: TestHub;
/** A second API process of the same hub: same database, same Redis. */
let second: { app: FastifyInstance; infrastructure: Infrastructure };
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  const infrastructure = createInfrastructure(hub.config);
  second = {
    app: await buildApp({ config: hub.config, infrastructure, logger: pino({ level: 'silent' }) }),
    infrastructure,
  };
  await second.app.ready();
});

afterAll(async () => {
  await second?.app.close();
  await second?.infrastructure.close();
  await hub?.close();
});

const list = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/sne/demandes', headers: { authorization: `Bearer ${token}` } });

/** Waits until `app` refuses the token (401): a process hears PostgreSQL's notification within moments. */
const untilRefused = (app: FastifyInstance, token: string) =>
  waitFor(
    async () => ((await list(app, token)).statusCode === 401 ? true : undefined),
    2000,
    'the token refused',
  );

/** Waits until `count` processes listen on `sne_clients` (each one's first authenticated request opens it). */
async function listeners(count: number): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await hub.pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN sne_clients'`,
      );
      return rows.length === count ? true : undefined;
    },
    5000,
    `${count} listener(s)`,
  );
}

/** Changes `clients` behind the caches' back: the trigger that tells them is off for this statement. */
async function unnotified(sql: string, params: unknown[]): Promise<void> {
  const db = await hub.pool.connect();
  try {
    await db.query('BEGIN');
    await db.query('ALTER TABLE clients DISABLE TRIGGER clients_notify');
    await db.query(sql, params);
    await db.query('ALTER TABLE clients ENABLE TRIGGER clients_notify');
    await db.query('COMMIT');
  } finally {
    db.release();
  }
}

describe('the clients remembered by each API process', () => {
  it('serves a known client from memory, then forgets it at any change of clients', async () => {
    const token = await provision(hub.app, { id: 'remembered', role: 'guichet', codeGuichet: 'GUIRE' });
    expect((await list(second.app, token)).statusCode).toBe(200);
    await listeners(1);
    expect((await list(second.app, token)).statusCode).toBe(200);
    // Revoked without the notification: the second process still knows the client, which shows it
    // no longer reads it for each request.
    await unnotified(`UPDATE clients SET revoked_at = now() WHERE id = $1`, ['remembered']);
    expect((await list(second.app, token)).statusCode).toBe(200);
    // Any notified change of clients (here another client's) makes it read the client again.
    await provision(hub.app, { id: 'another', role: 'guichet', codeGuichet: 'GUIAN' });
    await untilRefused(second.app, token);
  });

  it('refuses a token revoked through another process at once', async () => {
    const token = await provision(hub.app, { id: 'revoked', role: 'guichet', codeGuichet: 'GUIRV' });
    expect((await list(second.app, token)).statusCode).toBe(200);
    expect((await list(hub.app, token)).statusCode).toBe(200);
    // Both listen now: the next request remembers its client.
    await listeners(2);
    expect((await list(hub.app, token)).statusCode).toBe(200);
    const revoke = await second.app.inject({
      method: 'DELETE',
      url: '/admin/clients/revoked',
      headers: admin,
    });
    expect(revoke.statusCode).toBe(204);
    // The process that revoked it: before its 204. The other one: as soon as PostgreSQL tells it.
    expect((await list(second.app, token)).statusCode).toBe(401);
    await untilRefused(hub.app, token);
  });

  it('refuses the old token once rotated, and knows the new one', async () => {
    const old = await provision(hub.app, { id: 'rotated', role: 'guichet', codeGuichet: 'GUIRO' });
    expect((await list(second.app, old)).statusCode).toBe(200);
    const rotated = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients/rotated/token',
      headers: admin,
    });
    expect(rotated.statusCode).toBe(200);
    const { token } = rotated.json() as { token: string };
    expect((await list(hub.app, old)).statusCode).toBe(401);
    await untilRefused(second.app, old);
    expect((await list(second.app, token)).statusCode).toBe(200);
  });

  it('remembers nothing while its listening connection is lost', async () => {
    const token = await provision(hub.app, { id: 'unheard', role: 'guichet', codeGuichet: 'GUIUN' });
    expect((await list(second.app, token)).statusCode).toBe(200);
    expect((await list(hub.app, token)).statusCode).toBe(200);
    await listeners(2);
    await hub.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN sne_clients'`,
    );
    // Both processes lost their listener; they connect again after a second. Meanwhile a change
    // nobody is told of must still be seen.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await unnotified(`UPDATE clients SET revoked_at = now() WHERE id = $1`, ['unheard']);
    expect((await list(second.app, token)).statusCode).toBe(401);
    expect((await list(hub.app, token)).statusCode).toBe(401);
    await listeners(2);
  });
});
