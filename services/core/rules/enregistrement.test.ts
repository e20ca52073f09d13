import { describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import type { EnregistrementCommand } from '../commands.ts';
import { BusinessError, type BusinessErrorCode } from '../errors.ts';
import {
  applied,
  attempt,
  DALO,
  demande,
  GUICHET,
  NUMERO,
  PORTAIL,
  type RegistryState,
  registry,
  run,
} from './rule-fixtures.ts';

const TODAY = '2014-06-15';

function enregistrement(overrides: Partial<EnregistrementCommand> = {}): EnregistrementCommand {
  return {
    type: 'enregistrement',
    departement: '59',
    dateDepot: '2014-06-01',
    demandeur: { nom: 'Martin', prenom: 'Jean-Marc', dateNaissance: '1975-03-02', nationalite: 'FR' },
    menage: { nombrePersonnes: 1 },
    ressourcesMensuelles: 900,
    typologie: 'T1',
    communesSouhaitees: ['59350'],
    motif: 'sans-logement',
    ...overrides,
  };
}

const identite = (nom: string, prenom: string, dateNaissance = '1975-03-02') => ({
  nom,
  prenom,
  dateNaissance,
  nationalite: 'FR' as const,
});

describe('enregistrement: dates, numéro unique and échéance', () => {
  it.each([
    // label, dateDepot, département, commune, existing counter, expected numéro, expected échéance
    ['today', '2014-06-15', '59', '59350', {}, '0590614000001LIL59', '2015-06-15'],
    [
      'a paper demande caught up',
      '2012-10-07',
      '59',
      '59350',
      { '0591012': 41 },
      '0591012000042LIL59',
      '2013-10-07',
    ],
    ['31 January', '2014-01-31', '59', '59350', {}, '0590114000001LIL59', '2015-01-31'],
    [
      '29 February: échéance clamped to 28 February',
      '2012-02-29',
      '59',
      '59350',
      {},
      '0590212000001LIL59',
      '2013-02-28',
    ],
    ['31 December', '2013-12-31', '59', '59350', { '0591213': 999_998 }, '0591213999999LIL59', '2014-12-31'],
    ['Corse-du-Sud', '2014-03-10', '2A', '2A004', {}, '02A0314000001LIL59', '2015-03-10'],
    ['Martinique', '2014-03-10', '972', '97209', {}, '9720314000001LIL59', '2015-03-10'],
    ['Guyane', '2014-03-10', '973', '97302', {}, '9730314000001LIL59', '2015-03-10'],
    ['La Réunion', '2014-03-10', '974', '97411', { '9740314': 7 }, '9740314000008LIL59', '2015-03-10'],
    ['Saint-Pierre-et-Miquelon', '2014-03-10', '975', '97502', {}, '9750314000001LIL59', '2015-03-10'],
    ['Mayotte', '2014-03-10', '976', '97611', {}, '9760314000001LIL59', '2015-03-10'],
  ])(
    '%s: dépôt %s in %s → %s, %s',
    (_label, dateDepot, departement, commune, sequences, numero, echeance) => {
      const actor: Actor = { ...GUICHET, departements: ['*'] };
      const cmd = enregistrement({ dateDepot, departement, communesSouhaitees: [commune] });
      const change = applied(run({ sequences }, cmd, actor, TODAY));
      expect(change.demande.numeroUnique).toBe(numero);
      expect(change.demande.dateEcheance).toBe(echeance);
      expect(change.demande.statut).toBe('active');
      expect(change.history).toEqual([
        { numeroUnique: numero, kind: 'enregistrement', dateEffet: dateDepot, details: {} },
      ]);
      expect(change.events.map((e) => e.name)).toEqual(['demande.enregistree']);
    },
  );

  it('draws consecutive numéros from one counter', () => {
    const view = registry({ sequences: { '0590614': 3 } });
    const first = applied(run(view, enregistrement(), GUICHET, TODAY));
    const second = applied(
      run(view, enregistrement({ demandeur: identite('Durand', 'Léa') }), GUICHET, TODAY),
    );
    expect([first.demande.numeroUnique, second.demande.numeroUnique]).toEqual([
      '0590614000004LIL59',
      '0590614000005LIL59',
    ]);
  });

  it('numbers with the portail code guichet when the portail registers', () => {
    const change = applied(run({}, enregistrement(), PORTAIL, TODAY));
    expect(change.demande.numeroUnique).toBe('0590614000001GDPUB');
  });
});

describe('enregistrement: a demandeur born after the dépôt', () => {
  it('is refused without the date of birth in the error (kept with the message, shown to operators)', () => {
    const command = enregistrement({
      dateDepot: '2014-06-01',
      demandeur: identite('Martin', 'Jean-Marc', '2014-06-02'),
    });
    const outcome = attempt({}, command, GUICHET, TODAY);
    expect(outcome).toBeInstanceOf(BusinessError);
    expect((outcome as BusinessError).code).toBe('DATE_INVALIDE');
    expect((outcome as BusinessError).message).not.toContain('2014-06-02');
  });
});

describe('enregistrement: refusals', () => {
  const active = demande({ demandeur: identite('Martin', 'Jean-Marc'), referenceGuichet: 'REF-1' });
  const withActive = (d = active): RegistryState => ({ demandes: [d] });

  it.each<[string, RegistryState, Partial<EnregistrementCommand>, Actor, BusinessErrorCode]>([
    ['dépôt tomorrow', {}, { dateDepot: '2014-06-16' }, GUICHET, 'DATE_INVALIDE'],
    ['dépôt next year', {}, { dateDepot: '2015-01-01' }, GUICHET, 'DATE_INVALIDE'],
    [
      'demandeur born after the dépôt',
      {},
      { dateDepot: '2014-06-01', demandeur: identite('Martin', 'Jean-Marc', '2014-06-02') },
      GUICHET,
      'DATE_INVALIDE',
    ],
    ['same person, same spelling', withActive(), {}, GUICHET, 'DOUBLON'],
    [
      'same person, case, accents and spaces',
      withActive(),
      { demandeur: identite(' MARTIN ', 'Jéan-marc') },
      GUICHET,
      'DOUBLON',
    ],
    [
      'same person, hyphen typed as a space',
      withActive(),
      { demandeur: identite('Martin', 'Jean Marc') },
      GUICHET,
      'DOUBLON',
    ],
    [
      'same person, ligature typed as two letters',
      withActive(demande({ demandeur: identite('Lœuillet', 'Anne') })),
      { demandeur: identite('Loeuillet', 'Anne') },
      GUICHET,
      'DOUBLON',
    ],
    [
      'same person, apostrophes of two keyboards',
      withActive(demande({ demandeur: identite("N'Diaye", 'Awa') })),
      { demandeur: identite('N’Diaye', 'Awa') },
      GUICHET,
      'DOUBLON',
    ],
    [
      'referenceGuichet already used by the organisme',
      {},
      { referenceGuichet: 'X' },
      GUICHET,
      'REFERENCE_GUICHET_EXISTANTE',
    ],
    [
      'unknown département',
      {},
      { departement: '99' },
      { ...GUICHET, departements: ['*'] },
      'HORS_TERRITOIRE',
    ],
    [
      'département outside the sender’s',
      {},
      { departement: '62', communesSouhaitees: ['62041'] },
      GUICHET,
      'HORS_TERRITOIRE',
    ],
    [
      'commune of another département',
      {},
      { communesSouhaitees: ['59350', '62041'] },
      GUICHET,
      'HORS_TERRITOIRE',
    ],
    ['commune that does not exist', {}, { communesSouhaitees: ['59999'] }, GUICHET, 'COMMUNE_INCONNUE'],
    ['a sender with no code guichet', {}, {}, DALO, 'ACTION_INTERDITE'],
  ])('%s → %s', (_label, state, overrides, actor, code) => {
    const view =
      overrides.referenceGuichet === 'X'
        ? {
            demandes: [demande({ organisme: actor.organisme, referenceGuichet: 'X', identiteHash: 'other' })],
          }
        : state;
    expect(run(view, enregistrement(overrides), actor, TODAY)).toBe(code);
  });

  it('names the existing demande in a DOUBLON', () => {
    const outcome = attempt(withActive(), enregistrement(), GUICHET, TODAY);
    expect(outcome).toBeInstanceOf(BusinessError);
    expect((outcome as BusinessError).details).toEqual({ numeroUnique: NUMERO });
  });

  it('sees a demande registered earlier in the same batch', () => {
    const view = registry();
    applied(run(view, enregistrement(), GUICHET, TODAY));
    expect(run(view, enregistrement({ demandeur: identite('MARTIN', 'Jean Marc') }), GUICHET, TODAY)).toBe(
      'DOUBLON',
    );
  });

  it.each<[string, RegistryState, Partial<EnregistrementCommand>]>([
    ['the same person’s demande is radiée', withActive({ ...active, statut: 'radiee' }), {}],
    [
      'the same person’s active demande is in another département',
      withActive({ ...active, departement: '62' }),
      {},
    ],
    [
      'a namesake born another day',
      withActive(),
      { demandeur: identite('Martin', 'Jean-Marc', '1975-03-03') },
    ],
    ['another prénom', withActive(), { demandeur: identite('Martin', 'Jean') }],
  ])('accepted when %s', (_label, state, overrides) => {
    expect(applied(run(state, enregistrement(overrides), GUICHET, TODAY)).demande.statut).toBe('active');
  });
});
