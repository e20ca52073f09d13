import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stoppable, startWorkers } from '../services/pipeline/workers.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { call, importParc } from './helpers/ops.ts';
import { attribution, enregistrement, type LotReply, lot, postLot, radiation } from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/**
 * A replayed message keeps its place among the messages of its demande: a later message still
 * waiting is applied after it, as at reception. The workers are stopped while the later message
 * arrives and the replay is asked for, so that both wait in the queue, the later one first.
 */
let hub: TestHub;
let workers: Stoppable | undefined;
let bailleur: string;
let rpls: string;
let operator: string;

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', organisme: '130005009', departements: ['*'] });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

const start = () => {
  workers = startWorkers(hub.config, hub.infrastructure, pino({ level: 'silent' }));
};
const stop = async () => {
  await workers?.close();
  workers = undefined;
};

async function send(...messages: string[]): Promise<string[]> {
  const reply = await postLot(hub.app, bailleur, lot(...messages));
  expect(reply.statusCode, reply.body).toBe(202);
  return reply.json<LotReply>().messages.map((m) => m.messageId);
}

async function statusOf(messageId: string): Promise<{ status: string; error: { code: string } | null }> {
  const { rows } = await hub.pool.query('SELECT status, error FROM messages WHERE id = $1', [messageId]);
  return rows[0];
}

describe('replay and ordering', () => {
  it('applies a replayed message before a later message of the same demande that waits', async () => {
    start();
    const [enregistrementId, attributionId] = await send(
      enregistrement({ id: 'E-1', ref: 'ORDRE-1', nom: 'Ordre', prenom: 'Garde' }),
      attribution('A-1', 'ORDRE-1', '5900300001', '2014-05-02'),
    );
    await waitForMessagesDone(hub.pool, [enregistrementId as string, attributionId as string]);
    expect(await statusOf(attributionId as string)).toMatchObject({
      status: 'failed',
      error: { code: 'LOGEMENT_INCONNU' },
    });
    await importParc(hub.app, rpls, ['5900300001']);
    await stop();

    // Accepted after the attribution, queued first: the abandon of the same demande.
    const [abandonId] = await send(radiation('R-1', 'ORDRE-1', 'abandon', '2014-06-01'));
    const replay = await call(hub.app, operator, 'POST', `/ops/messages/${attributionId}/replay`, {
      reason: 'parc importé',
    });
    expect(replay.statusCode, replay.body).toBe(202);

    start();
    await waitForMessagesDone(hub.pool, [attributionId as string, abandonId as string]);
    // The attribution (accepted first) took effect first; the abandon then finds the demande radiée.
    expect(await statusOf(attributionId as string)).toMatchObject({ status: 'applied', error: null });
    expect(await statusOf(abandonId as string)).toMatchObject({
      status: 'failed',
      error: { code: 'DEMANDE_RADIEE' },
    });
    const { rows } = await hub.pool.query(
      "SELECT statut, motif_radiation FROM demandes WHERE reference_guichet = 'ORDRE-1'",
    );
    expect(rows[0]).toEqual({ statut: 'radiee', motif_radiation: 'attribution' });
  });
});
