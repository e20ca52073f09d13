import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_LOCK } from '../services/db/lock-keys.ts';
import { runRenouvellementSweep } from '../services/pipeline/maintenance.ts';
import { withSweepLock } from '../services/pipeline/sweep-lock.ts';
import { provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';
import { waitForSweepOnLockedRow } from './helpers/wait.ts';

/**
 * A sweep holds its lock on a session of its own, outside any transaction, for the whole sweep. A
 * process that freezes mid-sweep must not keep it for ever (every sweep of its kind would wait, and
 * operators' would get 409): PostgreSQL ends the lock's session once it has been silent for the
 * idle timeout, and the frozen sweep stops at its next page. A healthy sweep keeps its lock however
 * long a page takes: it touches the lock's session meanwhile.
 */
const IDLE_MS = 400;
let hub: TestHub;
let operator: string;
let bailleur: string;

beforeAll(async () => {
  hub = await startTestHub({ env: { SNE_PG_IDLE_IN_TRANSACTION_MS: String(IDLE_MS) } });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
});

afterAll(async () => {
  await hub?.close();
});

/** This whole process stops, timers and all, as a frozen one (SIGSTOP, a paused machine) does. */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether a session holds the sweep lock of this kind in this test's database (other files sweep theirs). */
async function lockHeld(kind: keyof typeof SWEEP_LOCK.kinds): Promise<boolean> {
  const { rows } = await hub.pool.query(
    `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [SWEEP_LOCK.class, SWEEP_LOCK.kinds[kind]],
  );
  return rows.length > 0;
}

function postSweep(kind: string, asOf: string) {
  return hub.app.inject({
    method: 'POST',
    url: `/ops/sweeps/${kind}`,
    headers: { authorization: `Bearer ${operator}` },
    payload: { asOf },
  });
}

describe('the sweep lock of a frozen process', () => {
  it('is freed by PostgreSQL: another sweep runs, the frozen one stops at its next page, no row is swept twice', async () => {
    const out = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: 'gel-1', nom: 'Gel', prenom: 'Une', dateDepot: '2019-02-10' }),
    );
    const numero = out['gel-1']?.result?.numeroUnique as string;
    // Hold the demande's row from outside the hub (no idle timeout): the operator's sweep takes the
    // sweep lock, then its préavis page waits on this row.
    const blocker = new pg.Client({ connectionString: hub.config.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM demandes WHERE numero_unique = $1 FOR UPDATE', [numero]);
      const frozen = postSweep('renouvellement', '2020-01-15');
      await waitForSweepOnLockedRow(hub.pool);
      expect((await postSweep('renouvellement', '2020-01-15')).statusCode).toBe(409);

      freeze(IDLE_MS * 3);
      // Without the lock's idle timeout, its session would still hold it.
      expect(await lockHeld('renouvellement')).toBe(false);
      // The daily sweep takes it (it would have waited for ever), and waits on the row in turn.
      const daily = runRenouvellementSweep(hub.pool, '2020-01-15', { actor: 'hub:scheduler', wait: true });
      await waitFor(
        async () => ((await lockHeld('renouvellement')) ? true : undefined),
        10_000,
        'the daily lock',
      );
      await blocker.query('COMMIT');

      // The frozen sweep's page was not idle (it waited on the row) and commits; at its next page it
      // finds its lock lost and stops, its audit line failed.
      const reply = await frozen;
      expect(reply.statusCode, reply.body).toBe(503);
      expect(reply.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(reply.json().detail).toContain('lost its lock');
      const result = await daily;
      // Both sweeps ran the préavis page over the same row: it went out once.
      const { rows: preavis } = await hub.pool.query(
        'SELECT date_echeance FROM preavis WHERE numero_unique = $1',
        [numero],
      );
      expect(preavis).toEqual([{ date_echeance: '2020-02-10' }]);
      const { rows: audit } = await hub.pool.query<{ status: string; preavis: number }>(
        `SELECT details->>'status' AS status, (details->>'preavis')::int AS preavis FROM audit
          WHERE action = 'sweep.renouvellement' ORDER BY at`,
      );
      expect(audit.map((a) => a.status)).toEqual(['failed', 'done']);
      expect(audit.map((a) => a.preavis).reduce((a, b) => a + b)).toBe(1);
      expect(result.preavis).toBe(audit[1]?.preavis);
      expect(await lockHeld('renouvellement')).toBe(false);
    } finally {
      await blocker.end();
    }
  });
});

describe('the sweep lock of a healthy process', () => {
  it('is kept however long a page takes: the holder touches its session meanwhile', async () => {
    const outcome = await withSweepLock(hub.pool, 'retention', false, async (lock) => {
      // A page three idle timeouts long, on another connection.
      await hub.pool.query('SELECT pg_sleep($1)', [(IDLE_MS * 3) / 1000]);
      expect(await lockHeld('retention')).toBe(true);
      expect((await postSweep('retention', '2020-01-15')).statusCode).toBe(409);
      await lock.confirm();
      return 'done';
    });
    expect(outcome).toBe('done');
    // Released at once: an operator's sweep right after runs.
    expect(await lockHeld('retention')).toBe(false);
    expect((await postSweep('retention', '2020-01-15')).statusCode).toBe(200);
  });
});
