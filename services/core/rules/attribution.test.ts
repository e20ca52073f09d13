import { describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import type { AttributionCommand, DecisionDalo } from '../commands.ts';
import type { Demande, Logement } from '../demande.ts';
import type { BusinessErrorCode } from '../errors.ts';
import {
  AUTRE_BAILLEUR,
  applied,
  BAILLEUR,
  CONTINGENT,
  DALO,
  demande,
  GUICHET,
  logement,
  NUMERO,
  PORTAIL,
  registry,
  run,
} from './rule-fixtures.ts';

const TODAY = '2015-01-10';
const BAIL = '2014-06-02';

const attribution = (
  dateSignatureBail = BAIL,
  overrides: Partial<AttributionCommand> = {},
): AttributionCommand => ({
  type: 'attribution',
  demande: { numeroUnique: NUMERO },
  logement: 'RPLS-0001',
  dateSignatureBail,
  contingent: 'prefet',
  accordCollectif: true,
  ...overrides,
});

describe('attribution', () => {
  it('radiates the demande for attribution at the bail date and records the attribution', () => {
    const change = applied(
      run({ demandes: [demande()], logements: [logement()] }, attribution(), BAILLEUR, TODAY),
    );
    const radiation = {
      motif: 'attribution',
      dateRadiation: BAIL,
      logement: 'RPLS-0001',
      contingent: 'prefet',
      accordCollectif: true,
    };
    expect(change.demande).toEqual({ ...demande(), statut: 'radiee', radiation });
    expect(change.attribution).toEqual({
      numeroUnique: NUMERO,
      logement: 'RPLS-0001',
      dateSignatureBail: BAIL,
      contingent: 'prefet',
      accordCollectif: true,
      dalo: false,
      prioritaire: false,
    });
    expect(change.history).toEqual([
      { numeroUnique: NUMERO, kind: 'attribution', dateEffet: BAIL, details: radiation },
    ]);
    expect(change.events.map((e) => e.name)).toEqual(['demande.radiee']);
  });

  it.each<[string, Actor, Demande, Logement[], string, BusinessErrorCode]>([
    ['by a guichet', GUICHET, demande(), [logement()], BAIL, 'ACTION_INTERDITE'],
    ['by the portail', PORTAIL, demande(), [logement()], BAIL, 'ACTION_INTERDITE'],
    ['of a logement not in the parc', BAILLEUR, demande(), [], BAIL, 'LOGEMENT_INCONNU'],
    [
      'of a logement that left the parc',
      BAILLEUR,
      demande(),
      [logement({ statut: 'sorti' })],
      BAIL,
      'LOGEMENT_INCONNU',
    ],
    [
      'of another bailleur’s logement',
      AUTRE_BAILLEUR,
      demande(),
      [logement()],
      BAIL,
      'LOGEMENT_AUTRE_BAILLEUR',
    ],
    [
      'of a logement in another département',
      { ...BAILLEUR, departements: ['59', '62'] },
      demande(),
      [logement({ departement: '62', codeCommune: '62041' })],
      BAIL,
      'HORS_TERRITOIRE',
    ],
    [
      'by a bailleur of another département',
      { ...BAILLEUR, departements: ['62'] },
      demande(),
      [logement()],
      BAIL,
      'HORS_TERRITOIRE',
    ],
    ['with a bail signed tomorrow', BAILLEUR, demande(), [logement()], '2015-01-11', 'DATE_INVALIDE'],
    ['with a bail signed before the dépôt', BAILLEUR, demande(), [logement()], '2013-10-14', 'DATE_INVALIDE'],
    [
      'of a demande radiée for abandon',
      BAILLEUR,
      demande({ statut: 'radiee', radiation: { motif: 'abandon', dateRadiation: '2014-07-01' } }),
      [logement()],
      BAIL,
      'DEMANDE_RADIEE',
    ],
    [
      'dated after the automatic non-renouvellement radiation',
      BAILLEUR,
      demande({ statut: 'radiee', radiation: { motif: 'non-renouvellement', dateRadiation: '2014-11-15' } }),
      [logement()],
      '2014-11-16',
      'DEMANDE_RADIEE',
    ],
  ])('refused %s → %s', (_label, actor, current, logements, bail, code) => {
    expect(run({ demandes: [current], logements }, attribution(bail), actor, TODAY)).toBe(code);
  });

  it.each([
    ['on', '2014-11-15'],
    ['before', '2014-09-30'],
  ])(
    'replaces the automatic non-renouvellement radiation when the bail is dated %s its date (rattrapage)',
    (_l, bail) => {
      const auto = { motif: 'non-renouvellement' as const, dateRadiation: '2014-11-15' };
      const current = demande({ statut: 'radiee', radiation: auto });
      const change = applied(
        run({ demandes: [current], logements: [logement()] }, attribution(bail), BAILLEUR, TODAY),
      );
      expect(change.demande.radiation).toMatchObject({ motif: 'attribution', dateRadiation: bail });
      expect(change.history[0]?.details).toMatchObject({ remplace: auto });
      expect(change.attribution?.dateSignatureBail).toBe(bail);
    },
  );
});

describe('attribution: DALO and prioritaire status as they stood on the bail date (2014-06-02)', () => {
  type Decision = ['dalo', DecisionDalo, string] | ['label', string];

  it.each<[string, Decision[], { dalo: boolean; prioritaire: boolean }]>([
    ['no decision', [], { dalo: false, prioritaire: false }],
    [
      'DALO prioritaire-urgent before',
      [['dalo', 'prioritaire-urgent', '2014-05-01']],
      { dalo: true, prioritaire: false },
    ],
    [
      'DALO prioritaire-urgent on the bail date',
      [['dalo', 'prioritaire-urgent', BAIL]],
      { dalo: true, prioritaire: false },
    ],
    [
      'DALO prioritaire-urgent the day after',
      [['dalo', 'prioritaire-urgent', '2014-06-03']],
      { dalo: false, prioritaire: false },
    ],
    ['DALO rejet before', [['dalo', 'rejet', '2014-05-01']], { dalo: false, prioritaire: false }],
    ['DALO sans-objet before', [['dalo', 'sans-objet', '2014-05-01']], { dalo: false, prioritaire: false }],
    [
      'prioritaire-urgent before, a later rejet does not rewrite the past',
      [
        ['dalo', 'prioritaire-urgent', '2014-05-01'],
        ['dalo', 'rejet', '2014-07-01'],
      ],
      { dalo: true, prioritaire: false },
    ],
    [
      'the later rejet received first, the earlier prioritaire-urgent after it',
      [
        ['dalo', 'rejet', '2014-07-01'],
        ['dalo', 'prioritaire-urgent', '2014-05-01'],
      ],
      { dalo: true, prioritaire: false },
    ],
    [
      'rejet before, prioritaire-urgent after the bail',
      [
        ['dalo', 'rejet', '2014-05-01'],
        ['dalo', 'prioritaire-urgent', '2014-07-01'],
      ],
      { dalo: false, prioritaire: false },
    ],
    [
      'prioritaire-urgent, then a rejet, both before',
      [
        ['dalo', 'prioritaire-urgent', '2014-03-01'],
        ['dalo', 'rejet', '2014-05-01'],
      ],
      { dalo: false, prioritaire: false },
    ],
    [
      'two decisions of the same day: the last recorded stands',
      [
        ['dalo', 'prioritaire-urgent', '2014-05-01'],
        ['dalo', 'rejet', '2014-05-01'],
      ],
      { dalo: false, prioritaire: false },
    ],
    ['labellisation before', [['label', '2014-05-01']], { dalo: false, prioritaire: true }],
    ['labellisation on the bail date', [['label', BAIL]], { dalo: false, prioritaire: true }],
    ['labellisation the day after', [['label', '2014-06-03']], { dalo: false, prioritaire: false }],
    [
      'labellisation before, relabelled after',
      [
        ['label', '2014-05-01'],
        ['label', '2014-07-01'],
      ],
      { dalo: false, prioritaire: true },
    ],
    [
      'both before',
      [
        ['dalo', 'prioritaire-urgent', '2014-04-01'],
        ['label', '2014-05-01'],
      ],
      { dalo: true, prioritaire: true },
    ],
  ])('%s → %o', (_label, decisions, expected) => {
    // The decisions go through their own rules first, as in one batch: the demande keeps the
    // latest by date, the working set every one received.
    const view = registry({ demandes: [demande()], logements: [logement()] });
    for (const decision of decisions) {
      const command =
        decision[0] === 'dalo'
          ? {
              type: 'dalo-decision' as const,
              demande: { numeroUnique: NUMERO },
              decision: decision[1],
              dateDecision: decision[2],
              departementCommission: '59',
            }
          : {
              type: 'labellisation' as const,
              demande: { numeroUnique: NUMERO },
              categorie: 'sortie-hebergement' as const,
              dateLabellisation: decision[1],
            };
      applied(run(view, command, decision[0] === 'dalo' ? DALO : CONTINGENT, TODAY));
    }
    const change = applied(run(view, attribution(), BAILLEUR, TODAY));
    expect({ dalo: change.attribution?.dalo, prioritaire: change.attribution?.prioritaire }).toEqual(
      expected,
    );
  });

  it('reads the decisions loaded with the demande (an earlier batch recorded them)', () => {
    const current = demande({
      dalo: { decision: 'rejet', dateDecision: '2014-07-01', departementCommission: '59' },
    });
    const priorites = {
      [NUMERO]: {
        dalo: [
          { decision: 'prioritaire-urgent' as const, dateDecision: '2014-05-01' },
          { decision: 'rejet' as const, dateDecision: '2014-07-01' },
        ],
        labellisations: [],
      },
    };
    const change = applied(
      run({ demandes: [current], logements: [logement()], priorites }, attribution(), BAILLEUR, TODAY),
    );
    expect(change.attribution?.dalo).toBe(true);
  });
});
