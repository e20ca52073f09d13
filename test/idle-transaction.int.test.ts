import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rplsFile } from '../bench/rpls-file.ts';
import { LOCK_KEYS } from '../services/db/lock-keys.ts';
import { isTransient } from '../services/pipeline/apply-failure.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { importFinished } from './helpers/ops.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/**
 * A hub process that freezes (or loses its network) in the middle of a transaction leaves it open
 * in PostgreSQL with its locks. The one every apply needs is EVENTS_LOCK: held by a frozen apply,
 * it would stop every other apply until TCP gave up on the silent peer, hours later.
 * `SNE_PG_IDLE_IN_TRANSACTION_MS` has PostgreSQL end such a session; the frozen process finds its
 * next statement failed, a transient error its job retries.
 */
const IDLE_MS = 400;
let hub: TestHub;
let guichet: string;

beforeAll(async () => {
  hub = await startTestHub({ env: { SNE_PG_IDLE_IN_TRANSACTION_MS: String(IDLE_MS) } });
  guichet = await provision(hub.app, { id: 'g', role: 'guichet', codeGuichet: 'G59AA' });
});

afterAll(async () => {
  await hub?.close();
});

describe('a transaction left idle by a frozen process', () => {
  it('is ended by PostgreSQL: the applies it held back go on, its own next statement fails as transient', async () => {
    // The frozen apply: a connection of the hub's own pool, EVENTS_LOCK taken, then nothing more.
    const frozen = await hub.pool.connect();
    let released = false;
    try {
      await frozen.query('BEGIN');
      await frozen.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS.events]);

      const reply = await postLot(
        hub.app,
        guichet,
        lot(enregistrement({ id: 'idle-1', nom: 'Attente', prenom: 'Une', dateDepot: '2014-03-01' })),
      );
      expect(reply.statusCode, reply.body).toBe(202);
      const ids = reply.json<LotReply>().messages.map((m) => m.messageId);
      // Without the timeout the apply waits for EVENTS_LOCK for ever, and this times out.
      await waitForMessagesDone(hub.pool, ids, 15_000);
      const { rows } = await hub.pool.query<{ status: string }>('SELECT status FROM messages WHERE id = $1', [
        ids[0],
      ]);
      expect(rows).toEqual([{ status: 'applied' }]);

      const failure = await frozen.query('SELECT 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeDefined();
      expect(isTransient(failure)).toBe(true);
      frozen.release(true);
      released = true;
      // The pool goes on with a fresh connection.
      expect((await hub.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      if (!released) frozen.release(true);
    }
  });

  it("names the hub's connections in pg_stat_activity, and sets their session options", async () => {
    const { rows } = await hub.pool.query<{ application_name: string; idle: string; jit: string }>(
      `SELECT application_name, current_setting('idle_in_transaction_session_timeout') AS idle,
              current_setting('jit') AS jit
         FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
    );
    // JIT compilation off (services/db/pool.ts), whatever the server's default.
    expect(rows).toEqual([
      { application_name: `sne-hub ${hub.config.roles.join(',')}`, idle: `${IDLE_MS}ms`, jit: 'off' },
    ]);
    // The listeners' connections too (the clients' changes, which the authentication's cache follows).
    const { rows: names } = await hub.pool.query<{ application_name: string }>(
      'SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()',
    );
    expect(names.map((n) => n.application_name)).toContain('sne-hub listen sne_clients');
  });
});

describe('an RPLS upload that pauses longer than the idle timeout', () => {
  it('is not ended: its connection is in COPY, not idle in a transaction', async () => {
    const rpls = await provision(hub.app, {
      id: 'rpls',
      role: 'rpls',
      organisme: '130005481',
      departements: ['*'],
    });
    async function* slowly(): AsyncGenerator<string> {
      let sent = 0;
      for (const chunk of rplsFile(6000)) {
        yield chunk;
        // Once rows are streaming into COPY, a pause of three idle timeouts.
        if (++sent === 2) await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 3));
      }
    }
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/connectors/rpls/v1/imports?mode=upsert',
      headers: { authorization: `Bearer ${rpls}`, 'content-type': 'text/csv; charset=utf-8' },
      payload: Readable.from(slowly()),
    });
    expect(reply.statusCode, reply.body).toBe(202);
    const { importId } = reply.json<{ importId: string }>();
    const done = await importFinished(hub.app, rpls, importId, 30_000);
    expect(done).toMatchObject({ status: 'completed', rowsRead: 6000, inserted: 6000, rejected: 0 });
  });
});
