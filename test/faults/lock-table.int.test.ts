import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../services/db/pool.ts';
import { type HubProcess, startHubProcess, stopAllHubProcesses } from '../helpers/processes.ts';
import { enregistrement, lot } from '../helpers/spt.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  freePort,
  type PrivatePostgres,
  type PrivateRedis,
  privateServicesMissing,
  startPrivatePostgres,
  startPrivateRedis,
} from './private-services.ts';

/**
 * A lot's intake holds one advisory lock per ordering key (two per enregistrement) until it
 * commits, and PostgreSQL keeps every lock of every transaction in one shared table of
 * `max_locks_per_transaction` × connections slots (about 12,000 with the defaults, measured: six
 * lots of 1,000 messages at once). When it is full, PostgreSQL refuses the lock ("out of shared
 * memory", SQLSTATE 53200). That must reach the sender as what it is, a 503 it may retry with the
 * lot unchanged, nothing stored; not a 500. Here the table is made small (10 a connection) so that
 * one lot of 1,000 fills it, and a small lot still passes.
 */
const ADMIN_TOKEN = 'lock-table-admin-token-0123456789';
const missing = privateServicesMissing();
if (missing && process.env.SNE_TESTS_REQUIRE_ALL)
  throw new Error(`the lock table test cannot run: ${missing}`);

describe.skipIf(missing)(`a full lock table${missing ? `: skipped, ${missing}` : ''}`, () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let pool: pg.Pool;
  let hub: HubProcess;
  let base: string;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([
      startPrivatePostgres({ max_connections: '40', max_locks_per_transaction: '10' }),
      startPrivateRedis(),
    ]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    hub = startHubProcess({
      SNE_ADMIN_TOKEN: ADMIN_TOKEN,
      DATABASE_URL: postgres.url('sne'),
      REDIS_URL: redis.url,
      PORT: String(port),
    });
    await hub.ready(60_000);
    pool = createPool({ connectionString: postgres.url('sne'), max: 2 });
  }, 180_000);

  afterAll(async () => {
    await stopAllHubProcesses();
    await pool?.end();
    await redis?.stop();
    await postgres?.stop();
  });

  it('answers a lot whose locks do not fit 503, stores nothing of it, and takes a smaller lot', async () => {
    const created = await fetch(`${base}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'bailleur-locks',
        role: 'bailleur',
        organisme: '123456789',
        nom: 'Bailleur des verrous',
        departements: ['59'],
        codeGuichet: 'BV59A',
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const post = (messages: number, prefix: string) =>
      fetch(`${base}/connectors/spt/v2/lots`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
        body: lot(
          ...Array.from({ length: messages }, (_, i) =>
            enregistrement({ id: `${prefix}-${i}`, ref: `${prefix}-REF-${i}`, nom: `Verrou${prefix}${i}` }),
          ),
        ),
      });

    const tooMany = await post(1000, 'L');
    expect(tooMany.status, hub.output()).toBe(503);
    expect(tooMany.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await tooMany.json()) as { code: string }).code).toBe('SERVICE_UNAVAILABLE');
    const stored = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    expect(stored.rows[0]?.n).toBe(0);

    const small = await post(5, 'S');
    expect(small.status, await small.clone().text()).toBe(202);
    await waitFor(
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM messages WHERE status = 'applied'`,
        );
        return rows[0]?.n === 5 ? true : undefined;
      },
      30_000,
      'the small lot applied',
    );
  }, 120_000);
});
