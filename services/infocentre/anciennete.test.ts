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
    expect(reponse.medianeMois).toBe(6); // the 2nd of 4 from the oldest: 2013-12-15
  });

  it('has no median without demandes', () => {
    expect(ancienneteDe('2014-06-30', [], []).medianeMois).toBeNull();
  });
});
