import { hash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identiteHash } from '../services/core/identite.ts';
import { rehashIdentities } from '../services/pipeline/identity-rehash.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';

/**
 * `npm run identites:rehash` (services/pipeline/identity-rehash.ts): a registry filled before the
 * doublon rule took the modifier apostrophe ʼ as a space stored "NʼDiaye" hashed as "ndiaye".
 */
let hub: TestHub;
let guichet: string;

beforeAll(async () => {
  hub = await startTestHub();
  guichet = await provision(hub.app, {
    id: 'maison-du-logement',
    role: 'guichet',
    codeGuichet: 'ML59A',
    departements: ['59', '62'],
  });
});

afterAll(async () => {
  await hub?.close();
});

const person = { prenom: 'Awa', dateNaissance: '1990-05-12' };

/** The hash the former rule stored for "NʼDiaye": the apostrophe removed with the accents. */
const formerHash = hash('sha256', 'ndiaye|awa|1990-05-12', 'hex');

async function registered(id: string, nom: string, departement = '59'): Promise<string> {
  const communes = departement === '59' ? ['59350'] : ['62041'];
  const out = await sendLot(hub.app, guichet, enregistrement({ id, nom, ...person, departement, communes }));
  expect(out[id]?.status, JSON.stringify(out[id])).toBe('applied');
  return out[id]?.result?.numeroUnique as string;
}

/** Stores the hash of `numero` as the former rule did. */
async function storedByFormerRule(numero: string): Promise<void> {
  await hub.pool.query('UPDATE demandes SET identite_hash = $2 WHERE numero_unique = $1', [
    numero,
    formerHash,
  ]);
}

async function storedHash(numero: string): Promise<string> {
  const { rows } = await hub.pool.query('SELECT identite_hash FROM demandes WHERE numero_unique = $1', [
    numero,
  ]);
  return rows[0]?.identite_hash;
}

describe('rehashIdentities', () => {
  it('gives a demande of the former rule its hash by the rule in force, and lists the doublons it finds', async () => {
    const former = await registered('RH-1', 'N\u02BCDiaye');
    // As the former rule stored it: a later "N'Diaye" is not its doublon.
    await storedByFormerRule(former);
    const second = await registered('RH-2', "N'Diaye");
    const elsewhere = await registered('RH-3', 'N\u02BCDiaye', '62');
    await storedByFormerRule(elsewhere);

    const report = await rehashIdentities(hub.pool, 2);
    const now = identiteHash({ nom: "N'Diaye", ...person });
    // In the Pas-de-Calais the person has one demande: its hash is the rule's now.
    expect(await storedHash(elsewhere)).toBe(now);
    // In the Nord, two active demandes of one person: the former one keeps its hash, and is named.
    expect(report).toEqual({ read: 3, rehashed: 1, doublons: [former] });
    expect(await storedHash(former)).toBe(formerHash);
    expect(await storedHash(second)).toBe(now);

    expect(await rehashIdentities(hub.pool)).toEqual({ read: 3, rehashed: 0, doublons: [former] });
  });
});
