import { describe, expect, it } from 'vitest';
import { ancienneteDe, classeAnciennete } from './anciennete.ts';

describe('ancienneté', () => {
  it.each([
    ['2014-06-30', 'moins-1-an'],
    ['2013-07-01', 'moins-1-an'],
    ['2013-06-30', '1-2-ans'], // its first anniversary is the date itself
    ['2012-06-30', '2-3-ans'],
    ['2011-06-30', '3-5-ans'],
    ['2009-07-01', '3-5-ans'],
    ['2009-06-30', '5-ans-et-plus'],
  ])('a dépôt of %s is %s on 2014-06-30', (depot, classe) => {
    expect(classeAnciennete(depot, '2014-06-30')).toBe(classe);
  });

  it('counts classes and takes the median in whole months', () => {
    const reponse = ancienneteDe(
      '2014-06-30',
      ['departement:59'],
      [
        { dateDepot: '2010-01-01', n: 1 },
        { dateDepot: '2013-12-15', n: 2 },
        { dateDepot: '2014-06-01', n: 1 },
      ],
    );
    expect(reponse.total).toBe(4);
    expect(reponse.anciennete['moins-1-an']).toEqual({ nombre: 3, pourcent: 75 });
    expect(reponse.anciennete['3-5-ans']).toEqual({ nombre: 1, pourcent: 25 });
    // The 2nd and 3rd of 4 from the oldest are both 2013-12-15: 6 months.
    expect(reponse.medianeMois).toBe(6);
  });

  it.each<[string, { dateDepot: string; n: number }[], number]>([
    // Months on 2013-06-30: 13, 7, 6, 1, 0, 0 → sorted 0 0 1 | 6 7 13 → (1 + 6) / 2.
    [
      'an even number: the mean of the two middle ones',
      [
        { dateDepot: '2012-05-05', n: 1 },
        { dateDepot: '2012-11-25', n: 1 },
        { dateDepot: '2012-12-09', n: 1 },
        { dateDepot: '2013-05-29', n: 1 },
        { dateDepot: '2013-06-25', n: 1 },
        { dateDepot: '2013-06-29', n: 1 },
      ],
      3.5,
    ],
    [
      'an odd number: the middle one',
      [
        { dateDepot: '2012-05-05', n: 2 },
        { dateDepot: '2013-05-29', n: 1 },
      ],
      13,
    ],
    [
      'two demandes',
      [
        { dateDepot: '2012-05-05', n: 1 },
        { dateDepot: '2013-05-29', n: 1 },
      ],
      7,
    ],
  ])('takes the median of %s', (_label, depots, mediane) => {
    expect(ancienneteDe('2013-06-30', [], depots).medianeMois).toBe(mediane);
  });

  it('has no median without demandes', () => {
    expect(ancienneteDe('2014-06-30', [], []).medianeMois).toBeNull();
  });
});
