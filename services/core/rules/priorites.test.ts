import { describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import type {
  DaloDecisionCommand,
  DecisionDalo,
  DesignationCommand,
  LabellisationCommand,
} from '../commands.ts';
import type { Demande, Logement } from '../demande.ts';
import type { BusinessErrorCode } from '../errors.ts';
import { applied, CONTINGENT, DALO, demande, GUICHET, logement, NUMERO, run } from './rule-fixtures.ts';

const TODAY = '2015-01-10';
const ref = { numeroUnique: NUMERO };
const RADIEE: Partial<Demande> = {
  statut: 'radiee',
  radiation: { motif: 'abandon', dateRadiation: '2014-09-01' },
};

const decision = (
  d: DecisionDalo,
  dateDecision: string,
  departementCommission = '59',
): DaloDecisionCommand => ({
  type: 'dalo-decision',
  demande: ref,
  decision: d,
  dateDecision,
  departementCommission,
});
const labellisation = (dateLabellisation: string): LabellisationCommand => ({
  type: 'labellisation',
  demande: ref,
  categorie: 'violences',
  dateLabellisation,
});
const designation = (dateDesignation: string, logementId = 'RPLS-0001'): DesignationCommand => ({
  type: 'designation',
  demande: ref,
  logement: logementId,
  dateDesignation,
});

describe('DALO decisions: the latest by date stands, every one is in the history', () => {
  const enVigueur = {
    decision: 'prioritaire-urgent' as const,
    dateDecision: '2014-07-01',
    departementCommission: '59',
  };

  it.each<[string, Partial<Demande>, DaloDecisionCommand, Demande['dalo']]>([
    [
      'a first decision',
      {},
      decision('prioritaire-urgent', '2014-05-01'),
      { decision: 'prioritaire-urgent', dateDecision: '2014-05-01', departementCommission: '59' },
    ],
    [
      'a later one replaces it',
      { dalo: enVigueur },
      decision('rejet', '2014-08-01'),
      { decision: 'rejet', dateDecision: '2014-08-01', departementCommission: '59' },
    ],
    [
      'one of the same day replaces it',
      { dalo: enVigueur },
      decision('sans-objet', '2014-07-01'),
      { decision: 'sans-objet', dateDecision: '2014-07-01', departementCommission: '59' },
    ],
    [
      'an earlier one arriving late does not',
      { dalo: enVigueur },
      decision('rejet', '2014-06-30'),
      enVigueur,
    ],
    [
      'on a radiée demande (sans-objet: the household was housed)',
      RADIEE,
      decision('sans-objet', '2014-10-01'),
      { decision: 'sans-objet', dateDecision: '2014-10-01', departementCommission: '59' },
    ],
  ])('%s', (_label, overrides, command, expected) => {
    const change = applied(run({ demandes: [demande(overrides)] }, command, DALO, TODAY));
    expect(change.demande.dalo).toEqual(expected);
    expect(change.history).toEqual([
      {
        numeroUnique: NUMERO,
        kind: 'dalo-decision',
        dateEffet: command.dateDecision,
        details: {
          decision: command.decision,
          dateDecision: command.dateDecision,
          departementCommission: '59',
        },
      },
    ]);
    expect(change.events.map((e) => [e.name, e.audience.daloDecision])).toEqual([
      ['demande.dalo-decision', expected?.decision],
    ]);
  });

  describe('on a demande radiée for attribution: the attribution’s status on its bail day follows', () => {
    const ATTRIBUEE: Partial<Demande> = {
      statut: 'radiee',
      radiation: { motif: 'attribution', dateRadiation: '2014-09-01', logement: 'RPLS-0001' },
    };
    const urgent = (dateDecision: string) => ({
      decision: 'prioritaire-urgent' as const,
      dateDecision,
      departementCommission: '59',
    });
    it.each<
      [string, Partial<Demande>, DaloDecisionCommand, { dalo: boolean; prioritaire: boolean } | undefined]
    >([
      [
        'a decision dated before the bail, arriving after it',
        ATTRIBUEE,
        decision('prioritaire-urgent', '2014-08-01'),
        { dalo: true, prioritaire: false },
      ],
      [
        'one dated on the bail day',
        ATTRIBUEE,
        decision('prioritaire-urgent', '2014-09-01'),
        { dalo: true, prioritaire: false },
      ],
      [
        'one dated after the bail: the attribution is left as it is',
        ATTRIBUEE,
        decision('prioritaire-urgent', '2014-09-02'),
        undefined,
      ],
      [
        'a rejet dated before the bail, after an urgent one: no longer DALO on the bail day',
        { ...ATTRIBUEE, dalo: urgent('2014-07-01') },
        decision('rejet', '2014-08-01'),
        { dalo: false, prioritaire: false },
      ],
      [
        'an earlier rejet does not undo a later urgent one',
        { ...ATTRIBUEE, dalo: urgent('2014-08-01') },
        decision('rejet', '2014-07-01'),
        { dalo: true, prioritaire: false },
      ],
      [
        'a demande radiée for another motif: no attribution to revise',
        RADIEE,
        decision('prioritaire-urgent', '2014-08-01'),
        undefined,
      ],
    ])('%s', (_label, overrides, command, expected) => {
      const change = applied(run({ demandes: [demande(overrides)] }, command, DALO, TODAY));
      expect(change.attributionStatut).toEqual(expected ? { numeroUnique: NUMERO, ...expected } : undefined);
    });
  });

  it.each<[string, Actor, DaloDecisionCommand, BusinessErrorCode]>([
    ['by a guichet', GUICHET, decision('prioritaire-urgent', '2014-05-01'), 'ACTION_INTERDITE'],
    ['by the contingent', CONTINGENT, decision('prioritaire-urgent', '2014-05-01'), 'ACTION_INTERDITE'],
    ['of an unknown département', DALO, decision('rejet', '2014-05-01', '99'), 'HORS_TERRITOIRE'],
    [
      'of a commission outside the sender’s départements',
      { ...DALO, departements: ['62'] },
      decision('rejet', '2014-05-01', '62'),
      'HORS_TERRITOIRE',
    ],
    ['dated tomorrow', DALO, decision('rejet', '2015-01-11'), 'DATE_INVALIDE'],
    ['dated before the dépôt', DALO, decision('rejet', '2013-10-14'), 'DATE_INVALIDE'],
  ])('refused %s → %s', (_label, actor, command, code) => {
    expect(run({ demandes: [demande()] }, command, actor, TODAY)).toBe(code);
  });
});

describe('labellisations: the latest by date stands', () => {
  const label = { categorie: 'violences' as const, dateLabellisation: '2014-07-01' };

  it.each<[string, Partial<Demande>, string, Demande['prioritaire']]>([
    [
      'a first one makes the demande prioritaire',
      {},
      '2014-05-01',
      { categorie: 'violences', dateLabellisation: '2014-05-01' },
    ],
    [
      'a later one replaces it',
      { prioritaire: { ...label, categorie: 'handicap' } },
      '2014-08-01',
      { categorie: 'violences', dateLabellisation: '2014-08-01' },
    ],
    [
      'an earlier one arriving late does not',
      { prioritaire: { ...label, categorie: 'handicap' } },
      '2014-06-30',
      { categorie: 'handicap', dateLabellisation: '2014-07-01' },
    ],
  ])('%s', (_label, overrides, date, expected) => {
    const change = applied(run({ demandes: [demande(overrides)] }, labellisation(date), CONTINGENT, TODAY));
    expect(change.demande.prioritaire).toEqual(expected);
    expect(change.history.map((h) => [h.kind, h.dateEffet])).toEqual([['labellisation', date]]);
    expect(change.events.map((e) => [e.name, e.audience.prioritaire])).toEqual([
      ['demande.labellisee', true],
    ]);
  });

  it.each<[string, Actor, Partial<Demande>, string, BusinessErrorCode]>([
    ['by the DALO commission', DALO, {}, '2014-05-01', 'ACTION_INTERDITE'],
    ['of a radiée demande', CONTINGENT, RADIEE, '2014-05-01', 'DEMANDE_RADIEE'],
    ['dated tomorrow', CONTINGENT, {}, '2015-01-11', 'DATE_INVALIDE'],
    ['dated before the dépôt', CONTINGENT, {}, '2013-10-01', 'DATE_INVALIDE'],
    [
      'outside the contingent’s départements',
      { ...CONTINGENT, departements: ['62'] },
      {},
      '2014-05-01',
      'HORS_TERRITOIRE',
    ],
  ])('refused %s → %s', (_label, actor, overrides, date, code) => {
    expect(run({ demandes: [demande(overrides)] }, labellisation(date), actor, TODAY)).toBe(code);
  });
});

describe('désignations', () => {
  it('proposes the demande for a logement, addressed to the bailleur owning it', () => {
    const lgt = logement({ sirenBailleur: '555555555' });
    const change = applied(
      run({ demandes: [demande()], logements: [lgt] }, designation('2014-05-01'), CONTINGENT, TODAY),
    );
    expect(change.designation).toEqual({
      numeroUnique: NUMERO,
      logement: 'RPLS-0001',
      sirenBailleur: '555555555',
      dateDesignation: '2014-05-01',
    });
    expect(change.demande).toEqual(demande());
    expect(change.events.map((e) => [e.name, e.audience.bailleur, e.data.codeCommune])).toEqual([
      ['designation.creee', '555555555', '59350'],
    ]);
  });

  it.each<[string, Actor, Partial<Demande>, Logement[], string, BusinessErrorCode]>([
    ['by a guichet', GUICHET, {}, [logement()], '2014-05-01', 'ACTION_INTERDITE'],
    ['of a logement not in the parc', CONTINGENT, {}, [], '2014-05-01', 'LOGEMENT_INCONNU'],
    [
      'of a logement that left the parc',
      CONTINGENT,
      {},
      [logement({ statut: 'sorti' })],
      '2014-05-01',
      'LOGEMENT_INCONNU',
    ],
    [
      'of a logement in another département',
      CONTINGENT,
      {},
      [logement({ departement: '62', codeCommune: '62041' })],
      '2014-05-01',
      'HORS_TERRITOIRE',
    ],
    ['of a radiée demande', CONTINGENT, RADIEE, [logement()], '2014-05-01', 'DEMANDE_RADIEE'],
    ['dated tomorrow', CONTINGENT, {}, [logement()], '2015-01-11', 'DATE_INVALIDE'],
  ])('refused %s → %s', (_label, actor, overrides, logements, date, code) => {
    expect(run({ demandes: [demande(overrides)], logements }, designation(date), actor, TODAY)).toBe(code);
  });
});
