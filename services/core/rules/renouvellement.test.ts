import { describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import type { DemandeRef } from '../commands.ts';
import type { Demande } from '../demande.ts';
import type { BusinessErrorCode } from '../errors.ts';
import { applied, BAILLEUR, demande, GUICHET, NUMERO, PORTAIL, run } from './rule-fixtures.ts';

const renouvellement = (dateRenouvellement: string, ref: DemandeRef = { numeroUnique: NUMERO }) => ({
  type: 'renouvellement' as const,
  demande: ref,
  dateRenouvellement,
});

/** Radiée by the sweep at dateEcheance + 1 month. */
const nonRenouvelee = (dateEcheance: string, dateRadiation: string): Demande =>
  demande({ dateEcheance, statut: 'radiee', radiation: { motif: 'non-renouvellement', dateRadiation } });

describe('renouvellement of an active demande (dépôt 2013-10-15)', () => {
  it.each([
    // label, last renewal, date, today, expected échéance
    ['a month before the échéance', undefined, '2014-09-15', '2014-10-01', '2015-09-15'],
    ['on the day of the dépôt', undefined, '2013-10-15', '2014-10-01', '2014-10-15'],
    ['today', undefined, '2014-10-01', '2014-10-01', '2015-10-01'],
    ['31 January', undefined, '2014-01-31', '2014-10-01', '2015-01-31'],
    ['29 February: échéance clamped to 28 February', '2015-10-01', '2016-02-29', '2016-03-01', '2017-02-28'],
    ['a second time, on the day of the first', '2014-09-15', '2014-09-15', '2014-10-01', '2015-09-15'],
  ])('%s: renewed %s→ échéance %s', (_label, dernier, date, today, echeance) => {
    const current = demande(dernier ? { dateRenouvellement: dernier } : {});
    const change = applied(run({ demandes: [current] }, renouvellement(date), GUICHET, today));
    expect(change.demande).toEqual({ ...current, dateRenouvellement: date, dateEcheance: echeance });
    expect(change.history).toEqual([
      {
        numeroUnique: NUMERO,
        kind: 'renouvellement',
        dateEffet: date,
        details: { dateRenouvellement: date, dateEcheance: echeance },
      },
    ]);
    expect(change.events.map((e) => e.name)).toEqual(['demande.renouvelee']);
  });

  it.each<[string, Partial<Demande>, string, string, Actor, DemandeRef, BusinessErrorCode]>([
    ['dated tomorrow', {}, '2014-10-02', '2014-10-01', GUICHET, { numeroUnique: NUMERO }, 'DATE_INVALIDE'],
    [
      'dated before the dépôt',
      {},
      '2013-10-14',
      '2014-10-01',
      GUICHET,
      { numeroUnique: NUMERO },
      'DATE_INVALIDE',
    ],
    [
      'dated before the last renewal',
      { dateRenouvellement: '2014-09-15' },
      '2014-09-14',
      '2014-10-01',
      GUICHET,
      { numeroUnique: NUMERO },
      'DATE_INVALIDE',
    ],
    [
      'of an unknown numéro',
      {},
      '2014-09-15',
      '2014-10-01',
      GUICHET,
      { numeroUnique: '0591013000043LH59A' },
      'DEMANDE_INCONNUE',
    ],
    [
      'by another organisme’s referenceGuichet',
      {},
      '2014-09-15',
      '2014-10-01',
      GUICHET,
      { referenceGuichet: 'REF-1' },
      'DEMANDE_INCONNUE',
    ],
    [
      'by a guichet of another département',
      {},
      '2014-09-15',
      '2014-10-01',
      { ...GUICHET, departements: ['62'] },
      { numeroUnique: NUMERO },
      'HORS_TERRITOIRE',
    ],
    [
      'of a numéro of another département that does not exist: out of scope all the same (nothing revealed)',
      {},
      '2014-09-15',
      '2014-10-01',
      GUICHET,
      { numeroUnique: '0621013000042LH59A' },
      'HORS_TERRITOIRE',
    ],
  ])('refused %s', (_label, overrides, date, today, actor, ref, code) => {
    expect(run({ demandes: [demande(overrides)] }, renouvellement(date, ref), actor, today)).toBe(code);
  });

  it('finds the demande by the registering organisme’s referenceGuichet', () => {
    const change = applied(
      run(
        { demandes: [demande()] },
        renouvellement('2014-09-15', { referenceGuichet: 'REF-1' }),
        BAILLEUR,
        '2014-10-01',
      ),
    );
    expect(change.demande.dateEcheance).toBe('2015-09-15');
  });
});

describe('reactivation of a demande radiée for non-renouvellement', () => {
  it.each([
    // label, échéance, automatic radiation, renewal, expected échéance
    ['the day after the radiation', '2014-10-15', '2014-11-15', '2014-11-16', '2015-11-16'],
    ['before the automatic radiation date', '2014-10-15', '2014-11-15', '2014-11-01', '2015-11-01'],
    ['on the last day, échéance + 6 months', '2014-10-15', '2014-11-15', '2015-04-15', '2016-04-15'],
    ['on the last day, clamped to 28 February', '2014-08-31', '2014-09-30', '2015-02-28', '2016-02-28'],
  ])('%s: échéance %s, radiée %s, renewed %s → active until %s', (_l, echeance, radiee, date, nouvelle) => {
    const current = nonRenouvelee(echeance, radiee);
    const change = applied(run({ demandes: [current] }, renouvellement(date), PORTAIL, '2015-06-01'));
    const { radiation: _gone, ...rest } = current;
    expect(change.demande).toEqual({
      ...rest,
      statut: 'active',
      dateRenouvellement: date,
      dateEcheance: nouvelle,
    });
    expect(change.history).toEqual([
      {
        numeroUnique: NUMERO,
        kind: 'reactivation',
        dateEffet: date,
        details: { dateRenouvellement: date, dateEcheance: nouvelle, radiationAnnulee: radiee },
      },
    ]);
    expect(change.events.map((e) => e.name)).toEqual(['demande.reactivee', 'demande.renouvelee']);
  });

  it.each<[string, Demande, string, BusinessErrorCode]>([
    [
      'a day after échéance + 6 months',
      nonRenouvelee('2014-10-15', '2014-11-15'),
      '2015-04-16',
      'REACTIVATION_EXPIREE',
    ],
    [
      'on 1 March when the limit is 28 February',
      nonRenouvelee('2014-08-31', '2014-09-30'),
      '2015-03-01',
      'REACTIVATION_EXPIREE',
    ],
    [
      'within the limit but after the retention purge erased its demandeur (a renewal 7 months late)',
      {
        ...nonRenouvelee('2014-10-15', '2014-11-15'),
        identiteHash: null,
        demandeur: { nom: '', prenom: '', dateNaissance: '', nationalite: 'FR' },
      },
      '2015-04-01',
      'REACTIVATION_EXPIREE',
    ],
    [
      'dated before its last renewal (its dates would go backwards)',
      { ...nonRenouvelee('2015-09-15', '2015-10-15'), dateRenouvellement: '2014-09-15' },
      '2014-09-01',
      'DATE_INVALIDE',
    ],
    [
      'radiée for abandon',
      demande({ statut: 'radiee', radiation: { motif: 'abandon', dateRadiation: '2014-11-01' } }),
      '2014-11-16',
      'DEMANDE_RADIEE',
    ],
    [
      'radiée for attribution',
      demande({
        statut: 'radiee',
        radiation: { motif: 'attribution', dateRadiation: '2014-11-01', logement: 'RPLS-0001' },
      }),
      '2014-11-16',
      'DEMANDE_RADIEE',
    ],
  ])('refused %s', (_label, current, date, code) => {
    expect(run({ demandes: [current] }, renouvellement(date), PORTAIL, '2015-06-01')).toBe(code);
  });

  it('refuses a reactivation when the person filed a new demande meanwhile (DOUBLON)', () => {
    const ancienne = nonRenouvelee('2014-10-15', '2014-11-15');
    const nouvelle = demande({
      numeroUnique: '0591214000001LIL59',
      referenceGuichet: 'REF-2',
      dateDepot: '2014-12-01',
    });
    expect(run({ demandes: [ancienne, nouvelle] }, renouvellement('2014-12-15'), PORTAIL, '2015-06-01')).toBe(
      'DOUBLON',
    );
  });
});
