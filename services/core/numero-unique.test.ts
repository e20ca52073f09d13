import { describe, expect, it } from 'vitest';
import { formatNumeroUnique, NUMERO_UNIQUE_PATTERN, sequenceKeyOf } from './numero-unique.ts';

describe('numéro unique', () => {
  it('reads TTT MM AA NNNNNN GGGGG', () => {
    const numero = formatNumeroUnique(sequenceKeyOf('59', '2013-10-04'), 42, 'LH59A');
    expect(numero).toBe('0591013000042LH59A');
    expect(numero).toMatch(NUMERO_UNIQUE_PATTERN);
  });

  it('writes Corsica and overseas départements on three characters', () => {
    expect(formatNumeroUnique(sequenceKeyOf('2A', '2014-01-02'), 1, 'AJ20A')).toBe('02A0114000001AJ20A');
    expect(formatNumeroUnique(sequenceKeyOf('971', '2014-01-02'), 1, 'GP971')).toBe('9710114000001GP971');
  });

  it('refuses a sequence outside 1..999999', () => {
    expect(() => formatNumeroUnique(sequenceKeyOf('59', '2014-01-02'), 0, 'LH59A')).toThrow(RangeError);
    expect(() => formatNumeroUnique(sequenceKeyOf('59', '2014-01-02'), 1_000_000, 'LH59A')).toThrow(
      RangeError,
    );
  });
});
