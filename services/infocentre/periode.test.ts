import { describe, expect, it } from 'vitest';
import { InfocentreError } from './errors.ts';
import { moisDe, moisEcoules, nextDay, requirePeriode } from './periode.ts';

describe('periode', () => {
  it.each([
    ['2014-02-29', 'not a day'],
    ['2014-13-01', 'not a day'],
    ['14-01-01', 'not YYYY-MM-DD'],
    ['9999-12-31', 'after 2099: its next day was year 10000, which PostgreSQL refused (a 500)'],
    ['1899-12-31', 'before 1900'],
  ])('refuses %s as a bound (%s)', (value) => {
    expect(() => requirePeriode('2014-01-01', value)).toThrow(InfocentreError);
    expect(() => requirePeriode(value, '2014-01-01')).toThrow(InfocentreError);
  });

  it('refuses du after au', () => {
    expect(() => requirePeriode('2014-09-30', '2013-10-01')).toThrow(InfocentreError);
    expect(requirePeriode('2014-09-30', '2014-09-30')).toEqual({ du: '2014-09-30', au: '2014-09-30' });
  });

  it.each([
    ['2014-12-31', '2015-01-01'],
    ['2016-02-28', '2016-02-29'],
    ['2014-09-30', '2014-10-01'],
  ])('the day after %s is %s', (day, next) => {
    expect(nextDay(day)).toBe(next);
  });

  it('lists the months of a period', () => {
    expect(moisDe('2013-10-01', '2014-01-15')).toEqual(['2013-10', '2013-11', '2013-12', '2014-01']);
  });

  it.each([
    ['2014-01-31', '2014-02-28', 1], // 31 January + 1 month = 28 February (clamped)
    ['2014-01-31', '2014-02-27', 0],
    ['2013-06-01', '2014-06-01', 12],
    ['2013-06-02', '2014-06-01', 11],
  ])('from %s to %s: %i whole months', (from, to, months) => {
    expect(moisEcoules(from, to)).toBe(months);
  });
});
