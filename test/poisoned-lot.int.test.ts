import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../services/core/actor.ts';
import { addMonths, todayInParis } from '../services/core/dates.ts';
import { orphanCounts } from '../services/db/integrity.ts';
import { inscription } from './helpers/commands.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import {
  creationV1,
  enregistrement,
  type LotReply,
  lot,
  lotV1,
  modification,
  outcomesOf,
  postLot,
  postLotV1,
  renouvellement,
} from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/**
 * Lots where good messages travel with poisoned ones — impossible dates, a person registered twice,
 * a demande that does not exist, a value PostgreSQL refuses — under the default retry settings
 * (8 attempts, backoff from 1 s: a lot retried whole would take minutes and outlast every wait
 * here). Each good message applies exactly once; each bad one is rejected at reception or fails
 * alone, at its first attempt.
 */
let hub: TestHub;
let guichet: string;
const UNKNOWN = '0591013999999ML59A';
const today = todayInParis();
const dateDepot = addMonths(today, -2);

beforeAll(async () => {
  hub = await startTestHub({
    // The defaults of the configuration (README), not the test helper's quick ones.
    env: { SNE_APPLY_ATTEMPTS: '8', SNE_APPLY_BACKOFF_MS: '1000', SNE_DEFER_DELAY_MS: '100' },
  });
  guichet = await provision(hub.app, { id: 'mairie-lille', role: 'guichet', codeGuichet: 'ML59A' });
});

afterAll(async () => {
  await hub?.close();
});

/** How many times each message changed the registry (its lines of history). */
async function effects(messageIds: string[]): Promise<Record<string, number>> {
  const { rows } = await hub.pool.query<{ message_id: string; n: string }>(
    `SELECT message_id, count(*) AS n FROM demande_historique WHERE message_id = ANY($1::uuid[]) GROUP BY message_id`,
    [messageIds],
  );
  return Object.fromEntries(rows.map((r) => [r.message_id, Number(r.n)]));
}

async function attempts(messageIds: string[]): Promise<number[]> {
  const { rows } = await hub.pool.query<{ attempts: number }>(
    'SELECT attempts FROM messages WHERE id = ANY($1::uuid[])',
    [messageIds],
  );
  return rows.map((r) => r.attempts);
}

describe('an SPT v2 lot with poisoned messages', () => {
  it('applies every good message once and rejects or fails each bad one alone', async () => {
    const person = (nom: string) => ({ nom, prenom: 'Sam', dateNaissance: '1988-08-08', dateDepot });
    const reply = await postLot(
      hub.app,
      guichet,
      lot(
        enregistrement({ id: 'G1', ref: 'P-G1', ...person('Poison-G1') }),
        enregistrement({ id: 'B-DEPOT', ...person('Poison-B1'), dateDepot: '0000-01-01' }),
        enregistrement({ id: 'G2', ref: 'P-G2', ...person('Poison-G2') }),
        enregistrement({ id: 'B-NAISSANCE', ...person('Poison-B2'), dateNaissance: '9999-12-31' }),
        enregistrement({ id: 'B-FEVRIER', ...person('Poison-B3'), dateDepot: '2014-02-30' }),
        // The same person as G1, in the same département: a doublon.
        enregistrement({ id: 'B-DOUBLON', ref: 'P-B4', ...person('Poison-G1') }),
        renouvellement('B-INCONNUE', UNKNOWN, addMonths(today, -1)),
        modification('G3', 'P-G2', '<typologie>T4</typologie>'),
        enregistrement({ id: 'G4', ...person('Poison-G4') }),
      ),
    );
    expect(reply.statusCode, reply.body).toBe(202);
    const receipt = reply.json<LotReply>();
    const entry = (id: string) => receipt.messages.find((m) => m.id === id);
    expect(receipt).toMatchObject({ received: 9, accepted: 6, rejected: 3 });
    expect(entry('B-DEPOT')?.errors).toEqual([
      { code: 'CONTRACT_INVALID', path: '/dateDepot', message: 'must lie between 1900-01-01 and 2099-12-31' },
    ]);
    expect(entry('B-NAISSANCE')?.errors).toEqual([
      {
        code: 'CONTRACT_INVALID',
        path: '/demandeur/dateNaissance',
        message: 'must lie between 1900-01-01 and 2099-12-31',
      },
    ]);
    expect(entry('B-FEVRIER')?.errors).toEqual([
      { code: 'CONTRACT_INVALID', path: '/dateDepot', message: 'must be a real calendar date YYYY-MM-DD' },
    ]);

    const outcomes = await outcomesOf(hub.app, guichet, receipt);
    const statuses = Object.fromEntries(
      Object.entries(outcomes).map(([id, o]) => [id, o.error ? `${o.status} ${o.error.code}` : o.status]),
    );
    expect(statuses).toEqual({
      G1: 'applied',
      'B-DEPOT': 'rejected CONTRACT_INVALID',
      G2: 'applied',
      'B-NAISSANCE': 'rejected CONTRACT_INVALID',
      'B-FEVRIER': 'rejected CONTRACT_INVALID',
      'B-DOUBLON': 'failed DOUBLON',
      'B-INCONNUE': 'failed DEMANDE_INCONNUE',
      G3: 'applied',
      G4: 'applied',
    });
    const good = ['G1', 'G2', 'G3', 'G4'].map((id) => entry(id)?.messageId as string);
    expect(Object.values(await effects(good))).toEqual([1, 1, 1, 1]);
    const accepted = receipt.messages.filter((m) => m.status === 'accepted').map((m) => m.messageId);
    expect(await attempts(accepted)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('refuses the lot whole when a message holds a NUL byte: the document is not XML', async () => {
    const { rows: before } = await hub.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages');
    const reply = await postLot(
      hub.app,
      guichet,
      lot(
        enregistrement({ id: 'NUL-G', nom: 'Poison-NulG', dateDepot }),
        enregistrement({ id: 'NUL-B', nom: 'Poison-Nul', dateDepot }).replace('Poison-Nul', 'Poi\u0000son'),
      ),
    );
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ code: 'XML_MALFORMED', line: expect.any(Number) });
    const { rows: after } = await hub.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages');
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});

describe('an SPT v1 lot with poisoned messages', () => {
  it('applies every good message once and rejects or fails each bad one alone', async () => {
    const v1Depot = dateDepot.split('-').reverse().join('/');
    const creation = (id: string, nom: string, overrides: Record<string, string> = {}) =>
      creationV1({ id, nom, prenom: 'Alix', dateNaissance: '03/03/1977', dateDepot: v1Depot, ...overrides });
    const reply = await postLotV1(
      hub.app,
      guichet,
      lotV1([
        creation('V1-G1', 'Poison-V1'),
        creation('V1-B-DEPOT', 'Poison-V1B', { dateDepot: '31/12/9999' }),
        creation('V1-B-FEVRIER', 'Poison-V1C', { dateNaissance: '30/02/1977' }),
        creation('V1-B-AN0', 'Poison-V1D', { dateDepot: '01/01/0000' }),
        creation('V1-B-DOUBLON', 'Poison-V1'),
        `<Renouvellement idMessage="V1-B-INCONNUE"><NumUnique>${UNKNOWN}</NumUnique><DateRenouvellement>${v1Depot}</DateRenouvellement></Renouvellement>`,
        creation('V1-G2', 'Poison-V1E'),
      ]),
    );
    expect(reply.statusCode, reply.body).toBe(202);
    const receipt = reply.json<LotReply>();
    const entry = (id: string) => receipt.messages.find((m) => m.id === id);
    expect(entry('V1-B-DEPOT')?.errors?.map((e) => [e.path, e.message])).toEqual([
      ['/DateDepot', 'must lie between 01/01/1900 and 31/12/2099'],
    ]);
    expect(entry('V1-B-FEVRIER')?.errors?.map((e) => e.path)).toEqual(['/DateNaissance']);
    expect(entry('V1-B-AN0')?.errors?.map((e) => [e.path, e.message])).toEqual([
      ['/DateDepot', 'must lie between 01/01/1900 and 31/12/2099'],
    ]);

    const outcomes = await outcomesOf(hub.app, guichet, receipt);
    const statuses = Object.fromEntries(
      Object.entries(outcomes).map(([id, o]) => [id, o.error ? `${o.status} ${o.error.code}` : o.status]),
    );
    expect(statuses).toEqual({
      'V1-G1': 'applied',
      'V1-B-DEPOT': 'rejected CONTRACT_INVALID',
      'V1-B-FEVRIER': 'rejected CONTRACT_INVALID',
      'V1-B-AN0': 'rejected CONTRACT_INVALID',
      'V1-B-DOUBLON': 'failed DOUBLON',
      'V1-B-INCONNUE': 'failed DEMANDE_INCONNUE',
      'V1-G2': 'applied',
    });
    const good = ['V1-G1', 'V1-G2'].map((id) => entry(id)?.messageId as string);
    expect(Object.values(await effects(good))).toEqual([1, 1]);
  });
});

describe('a lot holding a value PostgreSQL refuses, past reception', () => {
  it('fails that message alone at its first attempt and applies the others once', async () => {
    // As a message stored before the contracts checked their dates would be: straight to the intake.
    const actor: Actor = {
      clientId: 'mairie-lille',
      role: 'guichet',
      organisme: '123456789',
      departements: ['59'],
      codeGuichet: 'ML59A',
    };
    const command = (nom: string, depot = dateDepot) => inscription(nom, { dateDepot: depot });
    // Born on that day too: the rules pass it (no birth after the dépôt), PostgreSQL refuses year 0.
    const refused = command('Refuse', '0000-01-01');
    refused.demandeur.dateNaissance = '0000-01-01';
    const commands = [
      ...Array.from({ length: 20 }, (_, i) => command(`Stockable${i}`)),
      refused,
      ...Array.from({ length: 20 }, (_, i) => command(`Stockable${i + 20}`)),
    ];
    const receipt = await hub.app.intake.acceptLot({
      actor,
      system: 'test',
      version: 'v1',
      messages: commands.map((c, i) => ({ id: `pg-${i}`, type: c.type, raw: JSON.stringify(c), command: c })),
    });
    const ids = receipt.messages.map((m) => m.messageId);
    await waitForMessagesDone(hub.pool, ids);
    const { rows } = await hub.pool.query<{ sender_id: string; status: string; code: string | null }>(
      `SELECT sender_id, status, error->>'code' AS code FROM messages WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows.filter((r) => r.status !== 'applied')).toEqual([
      { sender_id: 'pg-20', status: 'failed', code: 'APPLY_ERROR' },
    ]);
    const applied = ids.filter((_, i) => i !== 20);
    expect(Object.values(await effects(applied))).toEqual(applied.map(() => 1));
    expect(new Set(await attempts(ids))).toEqual(new Set([1]));
    // The isolation's rolled-back halves left no child row behind (migration 013 dropped the keys).
    expect(Object.entries(await orphanCounts(hub.pool)).filter(([, n]) => n > 0)).toEqual([]);
  });
});
