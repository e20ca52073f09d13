import { describe, expect, it } from 'vitest';
import type { Demande } from '../demande.ts';
import { preavis, preavisDue, radiationNonRenouvellement } from './non-renouvellement.ts';
import { demande, NUMERO } from './rule-fixtures.ts';

// The sweep's rules (domain.md): a préavis from dateEcheance − 1 month on; a radiation for
// non-renouvellement dated dateEcheance + 1 month once the sweep's date reaches it.

describe('préavis', () => {
  it.each<[string, Partial<Demande>, string, boolean]>([
    ['the day before échéance − 1 month', { dateEcheance: '2014-10-15' }, '2014-09-14', false],
    ['on échéance − 1 month', { dateEcheance: '2014-10-15' }, '2014-09-15', true],
    ['after the échéance', { dateEcheance: '2014-10-15' }, '2014-10-20', true],
    [
      'a radiée demande',
      {
        dateEcheance: '2014-10-15',
        statut: 'radiee',
        radiation: { motif: 'abandon', dateRadiation: '2014-06-01' },
      },
      '2014-10-20',
      false,
    ],
  ])('%s (as of %s) → due %s', (_label, overrides, asOf, due) => {
    expect(preavisDue(demande(overrides), asOf)).toBe(due);
  });

  it('is one renouvellement.preavis event dated échéance − 1 month, state unchanged', () => {
    const current = demande({ dateEcheance: '2014-10-15' });
    const change = preavis(current);
    expect(change.demande).toBe(current);
    expect(change.history).toEqual([
      {
        numeroUnique: NUMERO,
        kind: 'preavis',
        dateEffet: '2014-09-15',
        details: { dateEcheance: '2014-10-15' },
      },
    ]);
    expect(change.events.map((e) => [e.name, e.data.dateEcheance])).toEqual([
      ['renouvellement.preavis', '2014-10-15'],
    ]);
  });
});

describe('radiation for non-renouvellement', () => {
  it.each<[string, string, string, string | undefined]>([
    // label, échéance, sweep date, expected dateRadiation (undefined: not radiée)
    ['the day before échéance + 1 month', '2014-10-15', '2014-11-14', undefined],
    ['on échéance + 1 month', '2014-10-15', '2014-11-15', '2014-11-15'],
    [
      'a sweep caught up a year late: dated échéance + 1 month, not the sweep date',
      '2014-10-15',
      '2015-11-20',
      '2014-11-15',
    ],
    ['échéance 31 January: radiée 28 February', '2015-01-31', '2015-03-01', '2015-02-28'],
    ['échéance 31 January of a leap year: radiée 29 February', '2016-01-31', '2016-02-29', '2016-02-29'],
    ['échéance 31 January of a leap year: not on 28 February', '2016-01-31', '2016-02-28', undefined],
  ])('%s', (_label, dateEcheance, asOf, dateRadiation) => {
    const change = radiationNonRenouvellement(demande({ dateEcheance }), asOf);
    expect(change?.demande.radiation).toEqual(
      dateRadiation ? { motif: 'non-renouvellement', dateRadiation } : undefined,
    );
    expect(change?.demande.statut).toBe(dateRadiation ? 'radiee' : undefined);
  });

  it('leaves a radiée demande alone (the sweep is idempotent)', () => {
    const radiee = demande({
      statut: 'radiee',
      radiation: { motif: 'non-renouvellement', dateRadiation: '2014-11-15' },
    });
    expect(radiationNonRenouvellement(radiee, '2015-01-01')).toBeUndefined();
  });
});
