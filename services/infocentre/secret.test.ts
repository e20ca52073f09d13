import { describe, expect, it } from 'vitest';
import { masquer } from './secret.ts';

describe('masquer (statistical secrecy)', () => {
  it.each([
    [0, 0, false],
    [1, null, true],
    [10, null, true],
    [11, 11, false],
    [12345, 12345, false],
  ])('a count of %i reads %s', (n, expected, secret) => {
    const cell: { nombre: number | null; pourcent: number | null; secret?: true } = {
      nombre: n,
      pourcent: 12.5,
    };
    expect(masquer(cell, ['nombre'], { nombre: ['pourcent'] })).toBe(secret);
    expect(cell.nombre).toBe(expected);
    expect(cell.pourcent).toBe(secret ? null : 12.5);
    expect(cell.secret).toBe(secret ? true : undefined);
  });

  it('leaves fields it was not asked about', () => {
    const o = { a: 3, b: 3 };
    masquer(o, ['a']);
    expect(o).toEqual({ a: null, b: 3, secret: true });
  });
});
