import { describe, expect, it } from 'vitest';
import { departementOfNumero } from './numero-departement.ts';
import { territoireCode } from './numero-unique.ts';

describe('departementOfNumero', () => {
  it.each([
    ['0591013000042LH59A', '59'],
    ['0620214000007AR62A', '62'],
    ['02A0314000001AJ2AA', '2A'],
    ['9710514000001GP971', '971'],
    ['0010114000001BG01A', '01'],
  ])('%s is in département %s, the inverse of territoireCode', (numero, departement) => {
    expect(departementOfNumero(numero)).toBe(departement);
    expect(territoireCode(departement)).toBe(numero.slice(0, 3));
  });
});
