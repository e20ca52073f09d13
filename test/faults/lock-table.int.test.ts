import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../services/db/pool.ts';
import { type HubProcess, startHubProcess, stopAllHubProcesses } from '../helpers/processes.ts';
import { enregistrement, lot, radiation } from '../helpers/spt.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  freePort,
  type PrivatePostgres,
  type PrivateRedis,
  requirePrivateServices,
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
 * one lot of 1,000 fills it, and a small lot still passes. An operator's bulk replay within the
 * request locks its messages' keys too: it must take them a chunk at a time, or a replay larger than
 * the table would be refused however often it is tried.
 */
const ADMIN_TOKEN = 'lock-table-admin-token-0123456789';
requirePrivateServices('the lock table test');

describe('a full lock table', () => {
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

  /** Provisions a client through the admin route; returns its token. */
  async function client(id: string, role: string, codeGuichet?: string): Promise<string> {
    const created = await fetch(`${base}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        role,
        organisme: '123456789',
        nom: id,
        departements: role === 'operator' ? ['*'] : ['59'],
        ...(codeGuichet ? { codeGuichet } : {}),
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    return ((await created.json()) as { token: string }).token;
  }

  /** POSTs a lot of these messages as `token`. */
  const postLot = (token: string, messages: string[]) =>
    fetch(`${base}/connectors/spt/v2/lots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      body: lot(...messages),
    });

  /** Waits until `n` messages have `status`. */
  const messagesWithStatus = (status: string, n: number) =>
    waitFor(
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM messages WHERE status = $1',
          [status],
        );
        return rows[0]?.n === n ? true : undefined;
      },
      60_000,
      `${n} messages ${status}`,
    );

  it('answers a lot whose locks do not fit 503, stores nothing of it, and takes a smaller lot', async () => {
    const token = await client('bailleur-locks', 'bailleur', 'BV59A');
    const post = (messages: number, prefix: string) =>
      postLot(
        token,
        Array.from({ length: messages }, (_, i) =>
          enregistrement({ id: `${prefix}-${i}`, ref: `${prefix}-REF-${i}`, nom: `Verrou${prefix}${i}` }),
        ),
      );

    const tooMany = await post(1000, 'L');
    expect(tooMany.status, hub.output()).toBe(503);
    expect(tooMany.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await tooMany.json()) as { code: string }).code).toBe('SERVICE_UNAVAILABLE');
    const stored = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    expect(stored.rows[0]?.n).toBe(0);

    const small = await post(5, 'S');
    expect(small.status, await small.clone().text()).toBe(202);
    await messagesWithStatus('applied', 5);
  }, 120_000);

  it('replays within the request more failed messages than one transaction could lock', async () => {
    // 1,500 radiations of demandes nobody registered: one ordering key each, all fail (DEMANDE_INCONNUE).
    const token = await client('bailleur-replay', 'bailleur', 'BR59A');
    for (let l = 0; l < 3; l++) {
      const radiations = Array.from({ length: 500 }, (_, i) =>
        radiation(`R-${l}-${i}`, `INCONNUE-${l}-${i}`, 'abandon', '2014-06-01'),
      );
      const answer = await postLot(token, radiations);
      expect(answer.status, await answer.clone().text()).toBe(202);
    }
    await messagesWithStatus('failed', 1500);

    const operator = await client('ops-locks', 'operator');
    const replay = await fetch(`${base}/ops/messages/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filter: { status: 'failed' }, reason: 'lock table test' }),
    });
    expect(replay.status, await replay.clone().text()).toBe(200);
    expect(await replay.json()).toEqual({ matched: 1500, replayed: 1500 });
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit WHERE action = 'message.replay'`,
    );
    expect(rows[0]?.n).toBe(1500);
    // Applied again, they fail again: each was requeued once, with its ordering key.
    await messagesWithStatus('failed', 1500);
  }, 180_000);

  it('says how many it replayed when the database fails midway, and the same request replays the rest', async () => {
    // The 1,500 radiations of the test before, failed again. The second chunk's audit lines meet a
    // full lock table (SQLSTATE 53200), made by a trigger: the first chunk stays replayed.
    await messagesWithStatus('failed', 1500);
    const operator = await client('ops-interrupted', 'operator');
    await pool.query(`
      CREATE SEQUENCE audit_statements;
      CREATE FUNCTION fail_second_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('audit_statements') > 1 THEN
          RAISE EXCEPTION 'out of shared memory' USING ERRCODE = '53200';
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER fail_second_chunk AFTER INSERT ON audit FOR EACH STATEMENT EXECUTE FUNCTION fail_second_chunk();
    `);
    const replay = () =>
      fetch(`${base}/ops/messages/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ filter: { status: 'failed' }, reason: 'interrupted replay' }),
      });
    const replayLines = async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit WHERE action = 'message.replay' AND reason = 'interrupted replay'`,
      );
      return rows[0]?.n;
    };
    try {
      const interrupted = await replay();
      expect(interrupted.status, await interrupted.clone().text()).toBe(503);
      const problem = (await interrupted.json()) as { code: string; replayed: number; detail: string };
      expect(problem).toMatchObject({ code: 'SERVICE_UNAVAILABLE', replayed: 500 });
      expect(problem.detail).toContain('the same request again replays the rest');
      expect(await replayLines()).toBe(500);
    } finally {
      await pool.query(
        'DROP TRIGGER fail_second_chunk ON audit; DROP FUNCTION fail_second_chunk(); DROP SEQUENCE audit_statements',
      );
    }
    // The 1,000 not replayed yet, and those of the first chunk that failed again meanwhile.
    const again = await replay();
    expect(again.status, await again.clone().text()).toBe(200);
    const { replayed } = (await again.json()) as { replayed: number };
    expect(replayed).toBeGreaterThanOrEqual(1000);
    expect(await replayLines()).toBe(500 + replayed);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit WHERE action = 'message.replay-bulk' AND reason = 'interrupted replay'`,
    );
    expect(rows[0]?.n).toBe(1);
  }, 180_000);
});
