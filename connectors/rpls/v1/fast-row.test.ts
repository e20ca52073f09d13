import { describe, expect, it } from 'vitest';
import { splitFields } from './csv-fields.ts';
import { fastRow } from './fast-row.ts';
import { COLUMNS, type RplsRow, readHeader, rowOf } from './header.ts';
import { mapRow } from './mapper.ts';

const ROW: RplsRow = {
  identifiant_rpls: '5900001234',
  siren_bailleur: '123456789',
  code_commune: '59350',
  nb_pieces: '3',
  surface_habitable: '64,50',
  type_construction: 'COLLECTIF',
  annee_achevement: '1972',
  financement: 'PLUS',
  conventionne: '1',
  qpv: '0',
};

/** Rows the fast path must map as mapper.ts does, or leave to it. */
const VARIANTS: Partial<RplsRow>[] = [
  {},
  { code_commune: '2A004' },
  { code_commune: '59999' }, // no such commune
  { code_commune: '2C004' },
  { nb_pieces: '0' },
  { nb_pieces: '20' },
  { nb_pieces: '21' },
  { surface_habitable: '0' },
  { surface_habitable: '0,00' },
  { surface_habitable: '0.5' },
  { surface_habitable: '9999.99' },
  { surface_habitable: '64,505' },
  { annee_achevement: '1599' },
  { annee_achevement: '1600' },
  { annee_achevement: '2026' },
  { annee_achevement: '2027' },
  { type_construction: 'collectif' },
  { financement: 'PLAI' },
  { financement: 'HLM' },
  { conventionne: '2' },
  { qpv: '1' },
  { identifiant_rpls: '590000123a' },
  { identifiant_rpls: ' 5900001234' }, // trimmed by the slow path
  { siren_bailleur: '12345678' },
];

function check(order: readonly string[]): void {
  const header = readHeader(splitFields(order.join(';'), 1024));
  const fast = fastRow(header, 2026);
  expect(fast).toBeDefined();
  for (const variant of VARIANTS) {
    const row = { ...ROW, ...variant };
    const text = order.map((column) => row[column as keyof RplsRow]).join(';');
    const slow = mapRow(rowOf(header, splitFields(text, 1024) as string[]) as RplsRow, 2026);
    const quick = fast?.(text);
    if ('record' in slow && !/\s/.test(text)) expect(quick, text).toEqual(slow.record);
    else expect(quick, text).toBeUndefined();
  }
}

describe('RPLS v1 fast row', () => {
  it('maps every clean row as the mapper does and leaves every other row to it', () => {
    check(COLUMNS);
  });

  it('follows the header, whatever the order of its columns', () => {
    check([...COLUMNS].reverse());
  });

  it('leaves quoted fields to the slow path', () => {
    const fast = fastRow(readHeader(splitFields(COLUMNS.join(';'), 1024)), 2026);
    expect(fast?.(`"5900001234";123456789;59350;3;64;COLLECTIF;1972;PLUS;1;0`)).toBeUndefined();
  });

  it('is not used when the header has columns the contract does not name', () => {
    expect(fastRow(readHeader(splitFields(`${COLUMNS.join(';')};commentaire`, 1024)), 2026)).toBeUndefined();
  });
});
