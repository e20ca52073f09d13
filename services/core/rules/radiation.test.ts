import { describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import type { MotifRadiation, RadiationCommand, SousMotifIrrecevabilite } from '../commands.ts';
import type { Demande, Radiation } from '../demande.ts';
import type { BusinessErrorCode } from '../errors.ts';
import {
  applied,
  BAILLEUR,
  CONTINGENT,
  DALO,
  demande,
  GUICHET,
  NUMERO,
  PORTAIL,
  run,
} from './rule-fixtures.ts';

const TODAY = '2015-01-10';

const radiation = (
  motif: MotifRadiation,
  dateRadiation: string,
  sousMotif?: SousMotifIrrecevabilite,
): RadiationCommand => ({
  type: 'radiation',
  demande: { numeroUnique: NUMERO },
  motif,
  dateRadiation,
  ...(sousMotif ? { sousMotif } : {}),
});

/** The demande (dépôt 2013-10-15, échéance 2014-10-15) radiée by the sweep on 2014-11-15. */
const AUTO: Radiation = { motif: 'non-renouvellement', dateRadiation: '2014-11-15' };
const radieeAuto = () => demande({ statut: 'radiee', radiation: AUTO });

describe('radiation of an active demande: motifs per role', () => {
  it.each<[string, Actor, MotifRadiation, SousMotifIrrecevabilite | undefined, Radiation]>([
    [
      'abandon by a guichet',
      GUICHET,
      'abandon',
      undefined,
      { motif: 'abandon', dateRadiation: '2014-06-02' },
    ],
    [
      'abandon by a bailleur',
      BAILLEUR,
      'abandon',
      undefined,
      { motif: 'abandon', dateRadiation: '2014-06-02' },
    ],
    [
      'abandon by the portail',
      PORTAIL,
      'abandon',
      undefined,
      { motif: 'abandon', dateRadiation: '2014-06-02' },
    ],
    [
      'non-reponse by a guichet',
      GUICHET,
      'non-reponse',
      undefined,
      { motif: 'non-reponse', dateRadiation: '2014-06-02' },
    ],
    [
      'non-reponse by a bailleur',
      BAILLEUR,
      'non-reponse',
      undefined,
      { motif: 'non-reponse', dateRadiation: '2014-06-02' },
    ],
    [
      'irrecevabilite by a bailleur, plafond-ressources',
      BAILLEUR,
      'irrecevabilite',
      'plafond-ressources',
      { motif: 'irrecevabilite', sousMotif: 'plafond-ressources', dateRadiation: '2014-06-02' },
    ],
    [
      'irrecevabilite by a bailleur, irregularite-sejour',
      BAILLEUR,
      'irrecevabilite',
      'irregularite-sejour',
      { motif: 'irrecevabilite', sousMotif: 'irregularite-sejour', dateRadiation: '2014-06-02' },
    ],
    [
      'abandon with a stray sousMotif, dropped',
      GUICHET,
      'abandon',
      'plafond-ressources',
      { motif: 'abandon', dateRadiation: '2014-06-02' },
    ],
  ])('%s', (_label, actor, motif, sousMotif, expected) => {
    const change = applied(
      run({ demandes: [demande()] }, radiation(motif, '2014-06-02', sousMotif), actor, TODAY),
    );
    expect(change.demande).toEqual({ ...demande(), statut: 'radiee', radiation: expected });
    expect(change.history).toEqual([
      { numeroUnique: NUMERO, kind: 'radiation', dateEffet: '2014-06-02', details: expected },
    ]);
    expect(change.events.map((e) => [e.name, e.data.motif, e.data.dateRadiation])).toEqual([
      ['demande.radiee', motif, '2014-06-02'],
    ]);
  });

  it.each<[string, Actor, MotifRadiation, SousMotifIrrecevabilite | undefined, BusinessErrorCode]>([
    ['irrecevabilite by a guichet', GUICHET, 'irrecevabilite', 'plafond-ressources', 'MOTIF_INTERDIT'],
    ['irrecevabilite by the portail', PORTAIL, 'irrecevabilite', 'plafond-ressources', 'MOTIF_INTERDIT'],
    ['irrecevabilite without sousMotif', BAILLEUR, 'irrecevabilite', undefined, 'SOUS_MOTIF_REQUIS'],
    ['non-reponse by the portail', PORTAIL, 'non-reponse', undefined, 'MOTIF_INTERDIT'],
    ['non-renouvellement by a guichet', GUICHET, 'non-renouvellement', undefined, 'MOTIF_INTERDIT'],
    ['non-renouvellement by a bailleur', BAILLEUR, 'non-renouvellement', undefined, 'MOTIF_INTERDIT'],
    ['attribution as a plain radiation', BAILLEUR, 'attribution', undefined, 'MOTIF_INTERDIT'],
    ['abandon by the DALO commission', DALO, 'abandon', undefined, 'MOTIF_INTERDIT'],
    ['abandon by the contingent', CONTINGENT, 'abandon', undefined, 'MOTIF_INTERDIT'],
    [
      'abandon by a guichet of another département',
      { ...GUICHET, departements: ['62'] },
      'abandon',
      undefined,
      'HORS_TERRITOIRE',
    ],
  ])('refused: %s → %s', (_label, actor, motif, sousMotif, code) => {
    expect(run({ demandes: [demande()] }, radiation(motif, '2014-06-02', sousMotif), actor, TODAY)).toBe(
      code,
    );
  });
});

describe('radiation: dates and closed demandes', () => {
  it.each<[string, Demande, string, BusinessErrorCode | 'applied']>([
    ['dated on the dépôt', demande(), '2013-10-15', 'applied'],
    ['dated today', demande(), TODAY, 'applied'],
    ['dated tomorrow', demande(), '2015-01-11', 'DATE_INVALIDE'],
    ['dated the day before the dépôt', demande(), '2013-10-14', 'DATE_INVALIDE'],
    [
      'of a demande radiée for abandon',
      demande({ statut: 'radiee', radiation: { motif: 'abandon', dateRadiation: '2014-05-01' } }),
      '2014-04-01',
      'DEMANDE_RADIEE',
    ],
    [
      'of a demande radiée for attribution',
      demande({
        statut: 'radiee',
        radiation: { motif: 'attribution', dateRadiation: '2014-05-01', logement: 'RPLS-0001' },
      }),
      '2014-04-01',
      'DEMANDE_RADIEE',
    ],
    [
      'of an unknown demande',
      demande({ numeroUnique: '0591013000043LH59A' }),
      '2014-06-02',
      'DEMANDE_INCONNUE',
    ],
  ])('%s → %s', (_label, current, date, expected) => {
    const outcome = run({ demandes: [current] }, radiation('abandon', date), GUICHET, TODAY);
    expect(typeof outcome === 'string' ? outcome : 'applied').toBe(expected);
  });
});

describe('rattrapage: an explicit radiation replaces the automatic non-renouvellement radiation (2014-11-15)', () => {
  it.each<[string, Actor, MotifRadiation, string]>([
    ['abandon dated on the automatic radiation’s date', GUICHET, 'abandon', '2014-11-15'],
    ['abandon dated months before it', PORTAIL, 'abandon', '2014-06-02'],
    ['non-reponse dated the day before', GUICHET, 'non-reponse', '2014-11-14'],
  ])('%s', (_label, actor, motif, date) => {
    const change = applied(run({ demandes: [radieeAuto()] }, radiation(motif, date), actor, TODAY));
    expect(change.demande.statut).toBe('radiee');
    expect(change.demande.radiation).toEqual({ motif, dateRadiation: date });
    expect(change.history).toEqual([
      {
        numeroUnique: NUMERO,
        kind: 'radiation',
        dateEffet: date,
        details: { motif, dateRadiation: date, remplace: AUTO },
      },
    ]);
  });

  it.each<[string, MotifRadiation, string]>([
    ['abandon dated the day after', 'abandon', '2014-11-16'],
    ['non-reponse dated weeks after', 'non-reponse', '2014-12-20'],
  ])('refused: %s → DEMANDE_RADIEE', (_label, motif, date) => {
    expect(run({ demandes: [radieeAuto()] }, radiation(motif, date), GUICHET, TODAY)).toBe('DEMANDE_RADIEE');
  });

  it('a second explicit radiation never replaces the first', () => {
    const abandon = demande({
      statut: 'radiee',
      radiation: { motif: 'abandon', dateRadiation: '2014-11-15' },
    });
    expect(run({ demandes: [abandon] }, radiation('non-reponse', '2014-11-01'), GUICHET, TODAY)).toBe(
      'DEMANDE_RADIEE',
    );
  });
});
