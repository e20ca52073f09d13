import { describe, expect, it } from 'vitest';
import { isBusinessDate, isCalendarDate } from './business-date.ts';

describe('isBusinessDate', () => {
  it.each([
    ['2014-03-01', true],
    ['1900-01-01', true],
    ['2099-12-31', true],
    ['2016-02-29', true],
    ['0000-01-01', false],
    ['1899-12-31', false],
    ['9999-12-31', false],
    ['2100-01-01', false],
    ['2014-02-30', false],
    ['2015-02-29', false],
    ['2014-13-01', false],
    ['2014-00-10', false],
    ['2014-1-01', false],
    ['2014-03-01T00:00:00Z', false],
    ['', false],
  ])('%s → %s', (value, expected) => {
    expect(isBusinessDate(value)).toBe(expected);
  });
});

describe('isCalendarDate', () => {
  it('reads years below 100 as written (0000-01-01 is a day, out of range)', () => {
    expect(isCalendarDate('0000-01-01')).toBe(true);
    expect(isCalendarDate('0099-02-29')).toBe(false);
    expect(isCalendarDate('9999-12-31')).toBe(true);
  });
});
