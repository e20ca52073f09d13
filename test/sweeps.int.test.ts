import { Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runRenouvellementSweep } from '../services/pipeline/maintenance.ts';
import { MAINTENANCE_QUEUE } from '../services/pipeline/queues.ts';
import { startScheduler } from '../services/pipeline/workers.ts';
import { provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { enregistrement, renouvellement, sendLot } from './helpers/spt.ts';
import { waitForSweepOnLockedRow } from './helpers/wait.ts';

/** The renewal sweep through POST /ops/sweeps/renouvellement, and the daily one through the scheduler. */
let hub: TestHub;
let bailleur: string;
let operator: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function postSweep(asOf: unknown, token = operator, kind = 'renouvellement') {
  return hub.app.inject({
    method: 'POST',
    url: `/ops/sweeps/${kind}`,
    headers: auth(token),
    payload: { asOf, reason: 'rattrapage' },
  });
}

async function sweep(asOf: string) {
  const reply = await postSweep(asOf);
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json<{ asOf: string; preavis: number; radiees: number }>();
}

async function registered(dateDepot: string): Promise<string> {
  const id = uid('E');
  const out = await sendLot(hub.app, bailleur, enregistrement({ id, nom: `Balayage${id}`, dateDepot }));
  expect(out[id]?.status).toBe('applied');
  return out[id]?.result?.numeroUnique as string;
}

/** The échéances whose préavis went out, by numéro. */
async function preavisSent(numeros: string[]): Promise<Record<string, string[]>> {
  const { rows } = await hub.pool.query<{ numero_unique: string; date_echeance: string }>(
    'SELECT numero_unique, date_echeance FROM preavis WHERE numero_unique = ANY($1) ORDER BY date_echeance',
    [numeros],
  );
  const sent: Record<string, string[]> = Object.fromEntries(numeros.map((n) => [n, []]));
  for (const row of rows) sent[row.numero_unique]?.push(row.date_echeance);
  return sent;
}

async function state(numero: string) {
  const { rows } = await hub.pool.query<{
    statut: string;
    date_radiation: string | null;
    motif_radiation: string;
  }>('SELECT statut, date_radiation, motif_radiation FROM demandes WHERE numero_unique = $1', [numero]);
  return rows[0];
}

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

describe('refusals', () => {
  it('answers 403 to every role but operator, on both sweeps', async () => {
    const others = [
      bailleur,
      await provision(hub.app, { id: 'mairie', role: 'guichet', codeGuichet: 'ML59A' }),
      await provision(hub.app, { id: 'stats', role: 'infocentre' }),
    ];
    for (const token of others) {
      for (const kind of ['renouvellement', 'retention']) {
        const reply = await postSweep('2014-01-01', token, kind);
        expect(reply.statusCode).toBe(403);
        expect(reply.headers['content-type']).toContain('application/problem+json');
        expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
      }
    }
  });

  it('answers 400 problem+json to a missing, malformed or future asOf', async () => {
    for (const kind of ['renouvellement', 'retention']) {
      for (const [payload, code] of [
        [{}, 'CONTRACT_INVALID'],
        [{ asOf: '30/09/2014' }, 'CONTRACT_INVALID'],
        [{ asOf: '2014-13-01' }, 'CONTRACT_INVALID'],
        // Past 2099 a date is out of every business date's range (the schema's format); before, in the future.
        [{ asOf: '2999-01-01' }, 'CONTRACT_INVALID'],
        [{ asOf: '2098-12-31' }, 'DATE_INVALIDE'],
      ] as const) {
        const reply = await hub.app.inject({
          method: 'POST',
          url: `/ops/sweeps/${kind}`,
          headers: auth(operator),
          payload,
        });
        expect(reply.statusCode, reply.body).toBe(400);
        expect(reply.headers['content-type']).toContain('application/problem+json');
        expect(reply.json()).toMatchObject({ status: 400, code });
      }
    }
  });
});

// Chronological: each sweep radiates what an earlier block left active, so blocks go forward in time.
describe('préavis around month ends', () => {
  it('sends the préavis of échéances on 29, 30 and 31 March on 28 February of a common year', async () => {
    const numeros = await Promise.all(
      ['2013-03-28', '2013-03-29', '2013-03-30', '2013-03-31'].map(registered),
    );
    const [e28, e29, e30, e31] = numeros as [string, string, string, string];
    await sweep('2014-02-27');
    expect(await preavisSent(numeros)).toEqual({ [e28]: [], [e29]: [], [e30]: [], [e31]: [] });
    const first = await sweep('2014-02-28');
    expect(first.preavis).toBe(4);
    expect(await preavisSent(numeros)).toEqual({
      [e28]: ['2014-03-28'],
      [e29]: ['2014-03-29'],
      [e30]: ['2014-03-30'],
      [e31]: ['2014-03-31'],
    });
    // The history dates the préavis when it was due: 28 February for all of them.
    const { rows } = await hub.pool.query(
      `SELECT DISTINCT date_effet FROM demande_historique WHERE kind = 'preavis' AND numero_unique = ANY($1)`,
      [numeros],
    );
    expect(rows).toEqual([{ date_effet: '2014-02-28' }]);
  });

  it('radiates échéances of 29, 30 and 31 January on 28 February, not the day before', async () => {
    const numeros = await Promise.all(['2013-01-29', '2013-01-30', '2013-01-31'].map(registered));
    await sweep('2014-02-27');
    for (const n of numeros) expect((await state(n))?.statut).toBe('active');
    const { radiees } = await sweep('2014-02-28');
    expect(radiees).toBe(3);
    for (const n of numeros) {
      expect(await state(n)).toEqual({
        statut: 'radiee',
        date_radiation: '2014-02-28',
        motif_radiation: 'non-renouvellement',
      });
    }
  });

  it('in a leap year, sends 29 March on 29 February with 30 and 31 March, and 28 March on the 28th', async () => {
    const numeros = await Promise.all(
      ['2015-03-28', '2015-03-29', '2015-03-30', '2015-03-31'].map(registered),
    );
    const [e28, e29, e30, e31] = numeros as [string, string, string, string];
    await sweep('2016-02-28');
    expect(await preavisSent(numeros)).toEqual({ [e28]: ['2016-03-28'], [e29]: [], [e30]: [], [e31]: [] });
    await sweep('2016-02-29');
    expect(await preavisSent(numeros)).toEqual({
      [e28]: ['2016-03-28'],
      [e29]: ['2016-03-29'],
      [e30]: ['2016-03-30'],
      [e31]: ['2016-03-31'],
    });
  });

  it('in a leap year, radiates échéance 29 January on 29 February, 30 and 31 January too, not on the 28th', async () => {
    const numeros = await Promise.all(['2015-01-29', '2015-01-30', '2015-01-31'].map(registered));
    await sweep('2016-02-28');
    for (const n of numeros) expect((await state(n))?.statut).toBe('active');
    await sweep('2016-02-29');
    for (const n of numeros) expect((await state(n))?.date_radiation).toBe('2016-02-29');
  });
});

describe('idempotence and what is skipped', () => {
  it('changes nothing the second time as of the same date, and sends a new préavis after a renouvellement', async () => {
    const n = await registered('2016-06-10');
    const first = await sweep('2017-05-10');
    expect(first.preavis).toBeGreaterThanOrEqual(1);
    expect(await sweep('2017-05-10')).toEqual({ asOf: '2017-05-10', preavis: 0, radiees: 0 });
    expect(await sweep('2017-05-20')).toEqual({ asOf: '2017-05-20', preavis: 0, radiees: 0 });
    // Renewed: a new échéance, a new préavis when it comes.
    const id = uid('R');
    const out = await sendLot(hub.app, bailleur, renouvellement(id, n, '2017-05-25'));
    expect(out[id]?.status).toBe('applied');
    expect((await sweep('2018-04-24')).preavis).toBe(0);
    expect((await sweep('2018-04-25')).preavis).toBe(1);
    expect((await preavisSent([n]))[n]).toEqual(['2017-06-10', '2018-05-25']);
  });

  it('pages the préavis phase on its partial index, which leaves out the demandes already told', async () => {
    const told = await hub.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM demandes WHERE statut = 'active' AND preavis_echeance = date_echeance`,
    );
    expect(Number(told.rows[0]?.n)).toBeGreaterThan(0);
    // The préavis phase's query is served by its partial index (predicate implied), whatever the table's size.
    const plan = await explainPreavisPage(hub.pool);
    expect(plan).toContain('demandes_preavis_a_envoyer');
    expect(plan).not.toContain('Seq Scan');
  });
});

async function explainPreavisPage(pool: pg.Pool): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // On a small test table any index will do; with the radiation phase's index out of the way
    // (rolled back below) and sequential scans off, only an index whose predicate the query implies
    // can serve it.
    await client.query('SET LOCAL enable_seqscan = off');
    await client.query('DROP INDEX demandes_echeance_active');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT d.* FROM demandes d
        WHERE d.statut = 'active' AND d.preavis_a_envoyer
          AND d.date_echeance <= '2020-01-01'::date AND (d.date_echeance, d.numero_unique) > ('-infinity'::date, '')
        ORDER BY d.date_echeance, d.numero_unique LIMIT 1000`,
    );
    await client.query('ROLLBACK');
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    client.release();
  }
}

describe('reactivation after the sweep', () => {
  it('reactivates within six months of the échéance, not a day after', async () => {
    const back = await registered('2017-07-15');
    const gone = await registered('2017-07-15');
    await sweep('2018-09-01');
    expect((await state(back))?.date_radiation).toBe('2018-08-15');
    const [r1, r2] = [uid('R'), uid('R')];
    const out = await sendLot(
      hub.app,
      bailleur,
      renouvellement(r1, back, '2019-01-15'),
      renouvellement(r2, gone, '2019-01-16'),
    );
    expect(out[r1]?.status).toBe('applied');
    expect(out[r2]?.error?.code).toBe('REACTIVATION_EXPIREE');
    expect((await state(back))?.statut).toBe('active');
    // Reactivated, with a new échéance: the next sweep as of the same date leaves it alone.
    expect((await sweep('2019-01-16')).radiees).toBe(0);
    expect((await state(back))?.statut).toBe('active');
  });
});

describe('two sweeps at once', () => {
  it("refuses an operator's sweep while another runs (409), and lets the daily one wait its turn", async () => {
    const n = await registered('2019-02-10');
    // Hold a candidate's row: the first sweep takes the sweep lock, then waits on this row.
    const blocker = await hub.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM demandes WHERE numero_unique = $1 FOR UPDATE', [n]);
    const first = postSweep('2020-01-15');
    await waitForSweepOnLockedRow(hub.pool);
    const second = await postSweep('2020-01-15');
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toContain('application/problem+json');
    expect(second.json()).toMatchObject({ code: 'SWEEP_IN_PROGRESS', sweep: 'renouvellement' });
    // The daily sweep waits rather than fails: it starts once the first has finished.
    const daily = runRenouvellementSweep(hub.pool, '2020-01-15', { actor: 'hub:scheduler', wait: true });
    await blocker.query('COMMIT');
    blocker.release();
    const firstReply = await first;
    expect(firstReply.statusCode).toBe(200);
    expect(firstReply.json().preavis).toBeGreaterThanOrEqual(1);
    expect(await daily).toEqual({ preavis: 0, radiees: 0 });
    expect((await preavisSent([n]))[n]).toEqual(['2020-02-10']);
  });
});

describe('audit', () => {
  it("writes each sweep's line with its operator, reason and counts, equal to what it changed", async () => {
    const n = await registered('2020-03-01');
    const result = await sweep('2021-02-01');
    expect(result.preavis).toBe(1);
    const { rows } = await hub.pool.query(
      `SELECT actor, action, target, reason, details FROM audit WHERE action = 'sweep.renouvellement' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({
      actor: 'ops',
      action: 'sweep.renouvellement',
      target: '2021-02-01',
      reason: 'rattrapage',
      details: { asOf: '2021-02-01', preavis: result.preavis, radiees: result.radiees, status: 'done' },
    });
    expect((await preavisSent([n]))[n]).toEqual(['2021-03-01']);
  });
});

describe('audit in the same transaction', () => {
  it('commits no préavis without the audit line that counts it', async () => {
    const n = await registered('2021-01-20');
    // Any count above zero cannot be written to the audit line: the page that sends must fail whole.
    await hub.pool.query(
      `ALTER TABLE audit ADD CONSTRAINT test_no_preavis CHECK (coalesce((details->>'preavis')::int, 0) = 0) NOT VALID`,
    );
    try {
      expect((await postSweep('2021-12-25')).statusCode).toBe(500);
      expect((await preavisSent([n]))[n]).toEqual([]);
      // The failed sweep's line says so: it is not left `running` for ever.
      const line = await hub.pool.query(
        `SELECT details->>'status' AS status FROM audit WHERE action = 'sweep.renouvellement' AND target = '2021-12-25'`,
      );
      expect(line.rows).toEqual([{ status: 'failed' }]);
      const events = await hub.pool.query(
        `SELECT count(*)::int AS n FROM events WHERE subject = $1 AND type = 'fr.sne.renouvellement.preavis.v1'`,
        [n],
      );
      expect(events.rows[0].n).toBe(0);
    } finally {
      await hub.pool.query('ALTER TABLE audit DROP CONSTRAINT test_no_preavis');
    }
    expect((await sweep('2021-12-25')).preavis).toBe(1);
    expect((await preavisSent([n]))[n]).toEqual(['2022-01-20']);
  });
});

describe('the daily sweeps', () => {
  it('are planned by the scheduler with BullMQ job schedulers, and run by the workers, audited', async () => {
    const config = { ...hub.config, reconcileIntervalMs: 50 };
    const upserts = vi.spyOn(Queue.prototype, 'upsertJobScheduler');
    const scheduler = startScheduler(
      config,
      hub.infrastructure,
      (await import('pino')).pino({ level: 'silent' }),
    );
    const queue = new Queue(MAINTENANCE_QUEUE, {
      connection: hub.infrastructure.redis,
      prefix: config.queuePrefix,
    });
    try {
      const planned = await waitFor(
        async () => {
          const schedulers = await queue.getJobSchedulers();
          return schedulers.length === 2 ? schedulers : undefined;
        },
        20_000,
        'the job schedulers',
      );
      expect(planned.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
        ['daily-renouvellement', hub.config.sweepCron, 'Europe/Paris'],
        ['daily-retention', hub.config.sweepCron, 'Europe/Paris'],
      ]);
      // A daily sweep that fails (PostgreSQL restarting at 02:00) is tried again.
      expect(planned.map((s) => s.template?.opts?.attempts)).toEqual([5, 5]);
      // A tick upserts a sweep only when Redis does not hold it as planned: its next job lost (a
      // Redis evicting keys under memory pressure), it is planned again.
      // Ticks every 50 ms upsert nothing more: each would compute the pattern's next time again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(upserts).toHaveBeenCalledTimes(2);
      const retention = planned.find((s) => s.key === 'daily-retention');
      const nextJob = `repeat:daily-retention:${retention?.next}`;
      expect(await queue.getJobState(nextJob)).toBe('delayed');
      const keys = `${config.queuePrefix}:${MAINTENANCE_QUEUE}`;
      await hub.infrastructure.redis
        .multi()
        .del(`${keys}:${nextJob}`)
        .zrem(`${keys}:delayed`, nextJob)
        .exec();
      expect(await queue.getJobState(nextJob)).toBe('unknown');
      await waitFor(
        async () => ((await queue.getJobState(nextJob)) === 'delayed' ? true : undefined),
        20_000,
        'the sweep planned again',
      );
      expect(upserts).toHaveBeenCalledTimes(3);
      // What a scheduled run does, as of a date: the worker runs it and audits it as the scheduler.
      const n = await registered('2021-05-03');
      await queue.add('renouvellement', { kind: 'renouvellement', asOf: '2022-04-03' });
      await waitFor(
        async () => ((await preavisSent([n]))[n]?.length === 1 ? true : undefined),
        20_000,
        'the scheduled sweep',
      );
      const audited = await waitFor(
        async () => {
          const { rows } = await hub.pool.query(
            `SELECT details FROM audit WHERE actor = 'hub:scheduler' AND target = '2022-04-03'
                AND details->>'status' = 'done'`,
          );
          return rows[0];
        },
        20_000,
        'the audit line',
      );
      expect(audited.details).toMatchObject({ preavis: 1, radiees: expect.any(Number) });
    } finally {
      upserts.mockRestore();
      await scheduler.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
  });
});
