import { describe, expect, it } from 'vitest';
import { addMonths, addYears, todayInParis } from './dates.ts';

describe('calendar date arithmetic', () => {
  it('keeps the day of the month', () => {
    expect(addMonths('2014-03-01', 1)).toBe('2014-04-01');
    expect(addYears('2013-10-15', 1)).toBe('2014-10-15');
    expect(addMonths('2014-01-15', -1)).toBe('2013-12-15');
  });

  it("clamps to the month's last day", () => {
    expect(addMonths('2014-01-31', 1)).toBe('2014-02-28');
    expect(addMonths('2016-01-31', 1)).toBe('2016-02-29');
    expect(addYears('2016-02-29', 1)).toBe('2017-02-28');
    expect(addMonths('2014-03-31', -1)).toBe('2014-02-28');
    expect(addMonths('2014-08-31', 6)).toBe('2015-02-28');
  });

  it("gives today's date in France", () => {
    expect(todayInParis(new Date('2014-12-31T23:30:00Z'))).toBe('2015-01-01');
  });
});
