import { describe, expect, it } from 'vitest';
import { pgpV1 } from './contract.ts';
import type { PgpV1MessageType } from './messages.ts';

/** Golden tests: one PGP v1 message in, the canonical command out, through contract and mapper. */
function decode(type: PgpV1MessageType, json: unknown) {
  return pgpV1.decode(type, JSON.stringify(json), json);
}

const NUMERO = '0590314000001GDPUB';

describe('PGP v1 → canonical command', () => {
  it('demande → enregistrement: communes in their order, optional fields absent, no reference', () => {
    const message = decode('demande', {
      id: 'P-1',
      departement: '59',
      dateDepot: '2014-03-01',
      demandeur: { nom: 'Dupont', prenom: 'Amélie', dateNaissance: '1985-04-12', nationalite: 'FR' },
      menage: {
        nombrePersonnes: 2,
        personnes: [{ nom: 'Dupont', prenom: 'Marc', dateNaissance: '1983-01-02', lien: 'conjoint' }],
      },
      ressourcesMensuelles: 1450.5,
      typologie: 'T6+',
      communesSouhaitees: ['59512', '59350'],
      motif: 'logement-trop-petit',
    });
    expect(message).toStrictEqual({
      id: 'P-1',
      type: 'demande',
      raw: expect.any(String),
      command: {
        type: 'enregistrement',
        departement: '59',
        dateDepot: '2014-03-01',
        demandeur: { nom: 'Dupont', prenom: 'Amélie', dateNaissance: '1985-04-12', nationalite: 'FR' },
        menage: {
          nombrePersonnes: 2,
          personnes: [{ nom: 'Dupont', prenom: 'Marc', dateNaissance: '1983-01-02', lien: 'conjoint' }],
        },
        ressourcesMensuelles: 1450.5,
        typologie: 'T6+',
        communesSouhaitees: ['59512', '59350'],
        motif: 'logement-trop-petit',
      },
    });
  });

  it('modification: only the fields given, the demande named by the numéro of the path', () => {
    const message = decode('modification', {
      id: 'P-2',
      numeroUnique: NUMERO,
      demandeur: { telephone: '06 12 34 56 78' },
      ressourcesMensuelles: 0,
      menage: { nombrePersonnes: 1, personnes: [] },
    });
    expect(message.command).toStrictEqual({
      type: 'modification',
      demande: { numeroUnique: NUMERO },
      changes: {
        demandeur: { telephone: '06 12 34 56 78' },
        menage: { nombrePersonnes: 1 },
        ressourcesMensuelles: 0,
      },
    });
  });

  it('renouvellement', () => {
    expect(
      decode('renouvellement', { id: 'P-3', numeroUnique: NUMERO, dateRenouvellement: '2015-02-15' }).command,
    ).toStrictEqual({
      type: 'renouvellement',
      demande: { numeroUnique: NUMERO },
      dateRenouvellement: '2015-02-15',
    });
  });

  it('abandon → radiation with motif abandon', () => {
    expect(
      decode('abandon', { id: 'P-4', numeroUnique: NUMERO, dateRadiation: '2015-06-01' }).command,
    ).toStrictEqual({
      type: 'radiation',
      demande: { numeroUnique: NUMERO },
      motif: 'abandon',
      dateRadiation: '2015-06-01',
    });
  });
});

describe('PGP v1 contract errors', () => {
  it('give JSON pointers and keep the raw text and the id', () => {
    const message = decode('demande', {
      id: 'P-5',
      departement: '59',
      dateDepot: '2014-02-30',
      demandeur: { nom: '', prenom: 'A', dateNaissance: '1985-04-12', nationalite: 'US', age: 3 },
      menage: { nombrePersonnes: 0 },
      ressourcesMensuelles: -1,
      typologie: 'T9',
      communesSouhaitees: ['59350', '59350'],
    });
    expect(message.id).toBe('P-5');
    expect(message.command).toBeUndefined();
    expect(message.raw).toContain('"P-5"');
    const paths = message.errors?.map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        '/communesSouhaitees',
        '/dateDepot',
        '/demandeur/age',
        '/demandeur/nationalite',
        '/demandeur/nom',
        '/menage/nombrePersonnes',
        '/motif',
        '/ressourcesMensuelles',
        '/typologie',
      ].sort(),
    );
    expect(message.errors).toContainEqual({
      code: 'CONTRACT_INVALID',
      path: '/communesSouhaitees',
      message: 'must list each commune once',
    });
  });

  it('refuse an invalid id, an empty modification, a changed identity', () => {
    expect(
      decode('renouvellement', { id: 'a b', numeroUnique: NUMERO, dateRenouvellement: '2015-01-01' }),
    ).toMatchObject({ id: 'a b', errors: [{ path: '/id' }] });
    expect(decode('modification', { id: 'M', numeroUnique: NUMERO }).errors).toMatchObject([
      { path: '', message: 'a modification must change at least one field' },
    ]);
    expect(
      decode('modification', { id: 'M', numeroUnique: NUMERO, demandeur: { nom: 'Autre' } }).errors,
    ).toMatchObject([{ path: '/demandeur/nom' }]);
    expect(decode('abandon', [1]).errors).toMatchObject([{ path: '', message: 'must be object' }]);
    expect(decode('abandon', { id: 42 })).toMatchObject({ id: '' });
  });
});
