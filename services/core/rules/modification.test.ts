import { describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import type { ModificationCommand } from '../commands.ts';
import type { Demande } from '../demande.ts';
import type { BusinessErrorCode } from '../errors.ts';
import { applied, demande, GUICHET, NUMERO, PORTAIL, run } from './rule-fixtures.ts';

const TODAY = '2014-06-15';
const modification = (changes: ModificationCommand['changes']): ModificationCommand => ({
  type: 'modification',
  demande: { numeroUnique: NUMERO },
  changes,
});

describe('modification', () => {
  it.each<[string, ModificationCommand['changes'], Partial<Demande>, string[]]>([
    ['typologie', { typologie: 'T4' }, { typologie: 'T4' }, ['typologie']],
    [
      'communes, ranked',
      { communesSouhaitees: ['59512', '59350'] },
      { communesSouhaitees: ['59512', '59350'] },
      ['communesSouhaitees'],
    ],
    [
      'ressources down to zero',
      { ressourcesMensuelles: 0 },
      { ressourcesMensuelles: 0 },
      ['ressourcesMensuelles'],
    ],
    [
      'contact details, merged into the demandeur',
      { demandeur: { email: 'm.dupont@example.org' } },
      { demandeur: { ...demande().demandeur, email: 'm.dupont@example.org' } },
      ['demandeur.email'],
    ],
  ])('%s', (_label, changes, expected, champs) => {
    const change = applied(run({ demandes: [demande()] }, modification(changes), PORTAIL, TODAY));
    expect(change.demande).toEqual({ ...demande(), ...expected });
    // Field names only in the history and the events: the values may be personal data.
    expect(change.history).toEqual([
      { numeroUnique: NUMERO, kind: 'modification', dateEffet: TODAY, details: { champs } },
    ]);
    expect(change.events[0]?.data.champs).toEqual(champs);
    expect(JSON.stringify(change.events)).not.toContain('example.org');
  });

  it.each<[string, Partial<Demande>, ModificationCommand['changes'], Actor, BusinessErrorCode]>([
    [
      'of a radiée demande',
      { statut: 'radiee', radiation: { motif: 'abandon', dateRadiation: '2014-05-01' } },
      { typologie: 'T3' },
      GUICHET,
      'DEMANDE_RADIEE',
    ],
    [
      'to a commune of another département',
      {},
      { communesSouhaitees: ['62041'] },
      GUICHET,
      'HORS_TERRITOIRE',
    ],
    ['to a commune that does not exist', {}, { communesSouhaitees: ['59999'] }, GUICHET, 'COMMUNE_INCONNUE'],
    [
      'by a guichet of another département',
      {},
      { typologie: 'T3' },
      { ...GUICHET, departements: ['62'] },
      'HORS_TERRITOIRE',
    ],
  ])('refused %s → %s', (_label, overrides, changes, actor, code) => {
    expect(run({ demandes: [demande(overrides)] }, modification(changes), actor, TODAY)).toBe(code);
  });
});
