import { describe, expect, it } from 'vitest';
import { addMonths } from './dates.ts';
import { preavisBound, radiationBound } from './sweep-bounds.ts';

describe('the préavis bound: the latest échéance whose préavis is due', () => {
  it.each([
    // asOf, latest échéance with dateEcheance − 1 month ≤ asOf
    ['2014-02-15', '2014-03-15'],
    // End of a common February: 29, 30 and 31 March all have their préavis on 28 February.
    ['2014-02-28', '2014-03-31'],
    ['2014-02-27', '2014-03-27'],
    // Leap year: 29 February is its own préavis date; 30 and 31 March fall on it too.
    ['2016-02-28', '2016-03-28'],
    ['2016-02-29', '2016-03-31'],
    // 30-day months: 31 May has its préavis on 30 April.
    ['2014-04-30', '2014-05-31'],
    ['2014-04-29', '2014-05-29'],
    // Going back from February clamps nothing: 28 February's préavis is 28 January.
    ['2014-01-31', '2014-02-28'],
    ['2014-01-30', '2014-02-28'],
    ['2014-12-31', '2015-01-31'],
  ])('as of %s: %s', (asOf, bound) => {
    expect(preavisBound(asOf)).toBe(bound);
  });

  it('agrees with the rule on every day of four years', () => {
    for (let t = Date.parse('2013-01-01'); t < Date.parse('2017-01-01'); t += 86_400_000) {
      const asOf = new Date(t).toISOString().slice(0, 10);
      const bound = preavisBound(asOf);
      expect(addMonths(bound, -1) <= asOf).toBe(true);
      const after = new Date(Date.parse(bound) + 86_400_000).toISOString().slice(0, 10);
      expect(addMonths(after, -1) <= asOf).toBe(false);
    }
  });
});

describe('the radiation bound: the latest échéance radiated for non-renouvellement', () => {
  it.each([
    ['2014-03-15', '2014-02-15'],
    // 28 February: échéances 28, 29, 30 and 31 January all reach échéance + 1 month on it.
    ['2014-02-28', '2014-01-31'],
    ['2016-02-28', '2016-01-28'],
    ['2016-02-29', '2016-01-31'],
    ['2014-04-30', '2014-03-31'],
    ['2014-03-31', '2014-02-28'],
  ])('as of %s: %s', (asOf, bound) => {
    expect(radiationBound(asOf)).toBe(bound);
  });

  it('agrees with the rule on every day of four years', () => {
    for (let t = Date.parse('2013-01-01'); t < Date.parse('2017-01-01'); t += 86_400_000) {
      const asOf = new Date(t).toISOString().slice(0, 10);
      const bound = radiationBound(asOf);
      expect(addMonths(bound, 1) <= asOf).toBe(true);
      const after = new Date(Date.parse(bound) + 86_400_000).toISOString().slice(0, 10);
      expect(addMonths(after, 1) <= asOf).toBe(false);
    }
  });
});
