import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../services/core/actor.ts';
import type { Command } from '../services/core/commands.ts';
import { addMonths, todayInParis } from '../services/core/dates.ts';
import { type ApplyReport, createApplyProcessor } from '../services/pipeline/apply-worker.ts';
import type { ApplyJobData } from '../services/pipeline/queues.ts';
import { inscription } from './helpers/commands.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, type LotReply, lot, postLot, renouvellement } from './helpers/spt.ts';

/**
 * The apply worker's processor driven by hand (no worker runs), so that the order in which jobs
 * run is the test's: a message that fails for no business reason fails alone, deferred messages
 * stay deferred, and a reactivation waits for an enregistrement of the same person accepted before it.
 */
let hub: TestHub;
let guichet: string;
let operator: string;
const actor: Actor = {
  clientId: 'mairie-lille',
  role: 'guichet',
  organisme: '123456789',
  departements: ['59'],
  codeGuichet: 'ML59A',
};
const today = todayInParis();
const warnings: { details: Record<string, unknown>; message: string }[] = [];
let counter = 0;

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  guichet = await provision(hub.app, { id: actor.clientId, role: 'guichet', codeGuichet: 'ML59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

const processor = (transactionMessages?: number) =>
  createApplyProcessor({
    pool: hub.pool,
    queue: hub.infrastructure.applyQueue,
    today: () => today,
    deferDelayMs: 100,
    ...(transactionMessages ? { transactionMessages } : {}),
    log: {
      warn: (details, message) => warnings.push({ details: details as Record<string, unknown>, message }),
    },
  });

/**
 * Runs one apply job over `messageIds` now, as attempt `attemptsMade + 1` of 8 (the default), its
 * messages in one transaction or `transactionMessages` at a time.
 */
function run(messageIds: string[], attemptsMade = 0, transactionMessages?: number): Promise<ApplyReport> {
  const job = { data: { messageIds }, opts: { attempts: 8 }, attemptsMade } as unknown as Job<ApplyJobData>;
  return processor(transactionMessages)(job);
}

/**
 * An enregistrement dated in year 0: the rules pass it (the demandeur born that day, not after the
 * dépôt), PostgreSQL refuses the date at the save.
 */
function unstorable(nom: string, date: string): Command {
  const command = inscription(nom, { dateDepot: date });
  command.demandeur.dateNaissance = date;
  return command;
}

/** Hands commands to the intake as a connector would (as if a contract had let them through). */
async function accept(...commands: Command[]): Promise<string[]> {
  const receipt = await hub.app.intake.acceptLot({
    actor,
    system: 'test',
    version: 'v1',
    messages: commands.map((command) => ({
      id: `iso-${++counter}`,
      type: command.type,
      raw: JSON.stringify(command),
      command,
    })),
  });
  return receipt.messages.map((m) => m.messageId);
}

async function statusOf(id: string) {
  const { rows } = await hub.pool.query<{
    status: string;
    error: { code: string; message: string } | null;
    attempts: number;
    result: { numeroUnique: string } | null;
  }>('SELECT status, error, attempts, result FROM messages WHERE id = $1', [id]);
  return rows[0];
}

describe('a message that fails for no business reason', () => {
  it('fails alone with APPLY_ERROR: the others apply once, a deferred one stays deferred', async () => {
    const [earlier = ''] = await accept(inscription('Avant', { referenceGuichet: 'ISO-R1' }));
    const [good1 = '', bad = '', later = '', good2 = ''] = await accept(
      inscription('Bon'),
      // Year 0: PostgreSQL refuses it at the save, whatever the rules say.
      unstorable('Mauvais', '0000-01-01'),
      { type: 'modification', demande: { referenceGuichet: 'ISO-R1' }, changes: { typologie: 'T3' } },
      inscription('Bonne'),
    );

    expect(await run([good1, bad, later, good2])).toEqual({ applied: 2, failed: 1, deferred: 1 });
    expect(await statusOf(good1)).toMatchObject({ status: 'applied', attempts: 1 });
    expect(await statusOf(good2)).toMatchObject({ status: 'applied', attempts: 1 });
    const failed = await statusOf(bad);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'APPLY_ERROR' } });
    // The SQLSTATE, never the value PostgreSQL choked on (it may be personal data).
    expect(failed?.error?.message).toMatch(/PostgreSQL 22008/);
    expect(JSON.stringify(failed)).not.toContain('0000-01-01');
    expect(warnings.map((w) => w.details)).toContainEqual(
      expect.objectContaining({ messageId: bad, code: 'APPLY_ERROR' }),
    );
    expect(JSON.stringify(warnings)).not.toContain('0000-01-01');
    // Waiting for `earlier`, not failed: it applies once `earlier` has.
    expect(await statusOf(later)).toMatchObject({ status: 'accepted' });

    expect(await run([earlier])).toEqual({ applied: 1, failed: 0, deferred: 0 });
    expect(await run([later])).toEqual({ applied: 1, failed: 0, deferred: 0 });
    const history = await hub.pool.query<{ message_id: string; n: string }>(
      `SELECT message_id, count(*) AS n FROM demande_historique WHERE message_id = ANY($1::uuid[]) GROUP BY message_id`,
      [[good1, good2, later, bad]],
    );
    expect(Object.fromEntries(history.rows.map((r) => [r.message_id, Number(r.n)]))).toEqual({
      [good1]: 1,
      [good2]: 1,
      [later]: 1,
    });
  });

  it('is isolated the same way on the last attempt: nothing else is marked failed', async () => {
    const [earlier = ''] = await accept(inscription('Premier', { referenceGuichet: 'ISO-R2' }));
    const ids = await accept(
      { type: 'modification', demande: { referenceGuichet: 'ISO-R2' }, changes: { typologie: 'T4' } },
      unstorable('Dernier', '0000-02-03'),
      inscription('Suivant'),
    );
    const [later = '', bad = '', good = ''] = ids;
    expect(await run(ids, 7)).toEqual({ applied: 1, failed: 1, deferred: 1 });
    expect(await statusOf(bad)).toMatchObject({ status: 'failed', error: { code: 'APPLY_ERROR' } });
    expect(await statusOf(good)).toMatchObject({ status: 'applied' });
    expect(await statusOf(later)).toMatchObject({ status: 'accepted' });
    await run([earlier]);
    expect(await run([later])).toEqual({ applied: 1, failed: 0, deferred: 0 });
  });
});

describe('a job applied a few messages per transaction (SNE_APPLY_TRANSACTION_MESSAGES)', () => {
  it('applies its parts in acceptance order: a part sees the ones before, a deferred message keeps its keys', async () => {
    const [outside = ''] = await accept(inscription('Dehors', { referenceGuichet: 'PART-R0' }));
    const ids = await accept(
      // Part 1: an enregistrement, and a modification waiting for `outside` (not in the job).
      inscription('Premiere', { referenceGuichet: 'PART-R1' }),
      { type: 'modification', demande: { referenceGuichet: 'PART-R0' }, changes: { typologie: 'T3' } },
      // Part 2: a modification of part 1's demande, and one behind the deferred modification.
      { type: 'modification', demande: { referenceGuichet: 'PART-R1' }, changes: { typologie: 'T4' } },
      { type: 'modification', demande: { referenceGuichet: 'PART-R0' }, changes: { typologie: 'T5' } },
      // Part 3: a value PostgreSQL refuses, isolated within its part, and a good message.
      unstorable('Mauvaise', '0000-01-01'),
      inscription('Derniere'),
    );
    expect(await run(ids, 0, 2)).toEqual({ applied: 3, failed: 1, deferred: 2 });
    const statuses = await Promise.all(ids.map(async (id) => (await statusOf(id))?.status));
    expect(statuses).toEqual(['applied', 'accepted', 'applied', 'accepted', 'failed', 'applied']);
    // Separate transactions: each part's messages carry its own start time.
    const { rows } = await hub.pool.query<{ n: number }>(
      'SELECT count(DISTINCT applied_at)::int AS n FROM messages WHERE id = ANY($1::uuid[])',
      [[ids[0], ids[2], ids[5]]],
    );
    expect(rows[0]?.n).toBe(3);
    const { rows: typologie } = await hub.pool.query<{ typologie: string }>(
      `SELECT typologie FROM demandes WHERE reference_guichet = 'PART-R1'`,
    );
    expect(typologie).toEqual([{ typologie: 'T4' }]);

    // The deferred two apply in order once `outside` has.
    await run([outside]);
    expect(await run([ids[1] as string, ids[3] as string], 0, 1)).toEqual({
      applied: 2,
      failed: 0,
      deferred: 0,
    });
    const { rows: after } = await hub.pool.query<{ typologie: string }>(
      `SELECT typologie FROM demandes WHERE reference_guichet = 'PART-R0'`,
    );
    expect(after).toEqual([{ typologie: 'T5' }]);
  });
});

describe('a reactivation racing an enregistrement of the same person', () => {
  it('waits for the enregistrement accepted before it, then fails DOUBLON (not the other way round)', async () => {
    const person = { nom: 'Course', prenom: 'Camille', dateNaissance: '1975-07-08' };
    const sent = async (...messages: string[]) => {
      const reply = await postLot(hub.app, guichet, lot(...messages));
      expect(reply.statusCode, reply.body).toBe(202);
      return reply.json<LotReply>().messages.map((m) => m.messageId);
    };
    // A demande of 2012, radiée for non-renouvellement in 2013 by the sweep.
    const [first = ''] = await sent(enregistrement({ id: 'RACE-1', dateDepot: '2012-05-15', ...person }));
    await run([first]);
    const numero = (await statusOf(first))?.result?.numeroUnique as string;
    const sweep = await hub.app.inject({
      method: 'POST',
      url: '/ops/sweeps/renouvellement',
      headers: { authorization: `Bearer ${operator}` },
      payload: { asOf: '2014-09-30' },
    });
    expect(sweep.statusCode, sweep.body).toBe(200);

    // Accepted in this order: a new enregistrement of the person, then the renewal that would reactivate.
    const [again = ''] = await sent(
      enregistrement({ id: 'RACE-2', dateDepot: addMonths(today, -1), ...person }),
    );
    const [reactivation = ''] = await sent(renouvellement('RACE-3', numero, '2013-11-15'));
    const keys = await hub.pool.query<{ message_id: string; key: string }>(
      `SELECT message_id, key FROM pending_keys WHERE key LIKE 'personne:%' AND message_id = ANY($1::uuid[])`,
      [[again, reactivation]],
    );
    expect(new Set(keys.rows.map((r) => r.key)).size).toBe(1);
    expect(keys.rows).toHaveLength(2);

    // The renewal's job runs first: it waits for the enregistrement.
    expect(await run([reactivation])).toEqual({ applied: 0, failed: 0, deferred: 1 });
    expect(await run([again])).toEqual({ applied: 1, failed: 0, deferred: 0 });
    expect(await run([reactivation])).toEqual({ applied: 0, failed: 1, deferred: 0 });
    expect(await statusOf(reactivation)).toMatchObject({ status: 'failed', error: { code: 'DOUBLON' } });
    const demande = await hub.pool.query<{ statut: string }>(
      'SELECT statut FROM demandes WHERE numero_unique = $1',
      [numero],
    );
    expect(demande.rows[0]?.statut).toBe('radiee');
  });
});

describe('a transaction that fails with an error a retry may cure', () => {
  it('records the attempt with the SQLSTATE, never the database’s message (it may quote a value)', async () => {
    const [id = ''] = await accept(inscription('Transitoire'));
    await hub.pool.query(`CREATE FUNCTION test_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'could not serialize access to Transitoire' USING ERRCODE = '40001'; END $$`);
    await hub.pool.query(
      'CREATE TRIGGER test_conflict BEFORE INSERT ON demande_historique FOR EACH ROW EXECUTE FUNCTION test_conflict()',
    );
    try {
      await expect(run([id])).rejects.toThrow();
    } finally {
      await hub.pool.query('DROP TRIGGER test_conflict ON demande_historique; DROP FUNCTION test_conflict()');
    }
    const { rows } = await hub.pool.query<{ outcome: string; error: { code: string; message: string } }>(
      'SELECT outcome, error FROM message_attempts WHERE message_id = $1',
      [id],
    );
    expect(rows).toEqual([
      { outcome: 'error', error: { code: 'TRANSIENT', message: expect.stringMatching(/40001/) } },
    ]);
    expect(JSON.stringify(rows)).not.toContain('Transitoire');
    expect(await run([id], 1)).toEqual({ applied: 1, failed: 0, deferred: 0 });
  });
});
