import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { startHubProcess, stopAllHubProcesses } from './helpers/processes.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/**
 * Numéros uniques allocated by several worker processes at once, for one (territory, month):
 * never the same twice, no gap, each in the format of domain.md with its guichet's code.
 */
const LOTS = 8;
const PER_LOT = 100;
const WORKER_PROCESSES = 3;
const NUMERO = /^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$/;

const GUICHETS = [
  { id: 'guichet-lille', organisme: '215903501', codeGuichet: 'GL59A' },
  { id: 'guichet-tourcoing', organisme: '215905991', codeGuichet: 'GT59B' },
] as const;

let hub: TestHub;
const tokens: string[] = [];

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  for (const guichet of GUICHETS) tokens.push(await provision(hub.app, { ...guichet, role: 'guichet' }));
});

afterAll(async () => {
  await stopAllHubProcesses();
  await hub?.close();
});

describe('numéros uniques under concurrent enregistrements', () => {
  it('are distinct, contiguous from 000001 and carry the registering guichet', async () => {
    const workers = Array.from({ length: WORKER_PROCESSES }, () =>
      startHubProcess({ ...hub.env, SNE_ROLES: 'worker', PORT: '0', SNE_WORKER_CONCURRENCY: '4' }),
    );
    await Promise.all(workers.map((w) => w.ready()));

    // All in département 59, dépôts of March 2014: one counter for every enregistrement.
    const replies = await Promise.all(
      Array.from({ length: LOTS }, (_, l) =>
        postLot(
          hub.app,
          tokens[l % 2] as string,
          lot(
            ...Array.from({ length: PER_LOT }, (_, i) =>
              enregistrement({
                id: `C-${l}-${i}`,
                nom: 'Concurrence',
                prenom: `P${l}x${i}`,
                dateDepot: `2014-03-${String((i % 28) + 1).padStart(2, '0')}`,
              }),
            ),
          ),
        ),
      ),
    );
    const accepted = replies.flatMap((reply) => {
      expect(reply.statusCode, reply.body).toBe(202);
      const receipt = reply.json<LotReply>();
      expect(receipt.accepted).toBe(PER_LOT);
      return receipt.messages.map((m) => m.messageId);
    });
    await waitForMessagesDone(hub.pool, accepted, 45_000);

    const { rows } = await hub.pool.query<{ status: string; numero: string | null; code: string }>(
      `SELECT m.status, m.result->>'numeroUnique' AS numero, c.code_guichet AS code
         FROM messages m JOIN clients c ON c.id = m.client_id WHERE m.id = ANY($1::uuid[])`,
      [accepted],
    );
    const total = LOTS * PER_LOT;
    expect(rows).toHaveLength(total);
    expect(rows.filter((r) => r.status !== 'applied')).toEqual([]);
    const numeros = rows.map((r) => r.numero as string);
    expect(new Set(numeros).size).toBe(total);
    for (const { numero, code } of rows) {
      expect(numero).toMatch(NUMERO);
      expect(numero?.slice(0, 7)).toBe('0590314');
      expect(numero?.slice(-5)).toBe(code);
    }
    const sequences = numeros.map((n) => Number(n.slice(7, 13))).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const counters = await hub.pool.query('SELECT territoire, mois, annee, dernier FROM numero_sequences');
    expect(counters.rows).toEqual([{ territoire: '059', mois: '03', annee: '14', dernier: total }]);
    const demandes = await hub.pool.query<{ numero_unique: string }>('SELECT numero_unique FROM demandes');
    expect(new Set(demandes.rows.map((d) => d.numero_unique))).toEqual(new Set(numeros));
    // Each message's result names the demande it created (its history line), even when its batch ran
    // the rules again on counters another batch had moved after its outcomes were recorded.
    const mismatched = await hub.pool.query(
      `SELECT m.id FROM messages m JOIN demande_historique h ON h.message_id = m.id AND h.kind = 'enregistrement'
        WHERE m.id = ANY($1::uuid[]) AND h.numero_unique IS DISTINCT FROM m.result->>'numeroUnique'`,
      [accepted],
    );
    expect(mismatched.rows).toEqual([]);
    const created = await hub.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM demande_historique WHERE message_id = ANY($1::uuid[]) AND kind = 'enregistrement'`,
      [accepted],
    );
    expect(created.rows[0]?.n).toBe(total);

    for (const worker of workers) expect(await worker.stop()).toEqual({ code: 0, signal: null });
  });
});
