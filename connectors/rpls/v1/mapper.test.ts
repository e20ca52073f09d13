import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFields } from './csv-fields.ts';
import { COLUMNS, type RplsRow, readHeader, rowOf } from './header.ts';
import { mapRow } from './mapper.ts';
import { csvLines } from './transport.ts';

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

describe('RPLS v1 mapper (golden)', () => {
  it('maps a row to the canonical logement, the département from the commune', () => {
    expect(mapRow(ROW, 2026)).toEqual({
      record: {
        identifiantRpls: '5900001234',
        sirenBailleur: '123456789',
        codeCommune: '59350',
        departement: '59',
        nbPieces: 3,
        surfaceHabitable: 64.5,
        typeConstruction: 'COLLECTIF',
        anneeAchevement: 1972,
        financement: 'PLUS',
        conventionne: true,
        qpv: false,
      },
    });
  });

  it('reads a surface with a point, trims fields, and places Corsica in 2A', () => {
    const mapped = mapRow(
      { ...ROW, code_commune: ' 2A004 ', surface_habitable: '18.4', nb_pieces: '0', qpv: '1' },
      2026,
    );
    expect(mapped).toMatchObject({
      record: { codeCommune: '2A004', departement: '2A', surfaceHabitable: 18.4, nbPieces: 0, qpv: true },
    });
  });

  it.each([
    [{ identifiant_rpls: '59000012' }, 'CONTRACT_INVALID', 'identifiant_rpls must be 10 characters'],
    [{ identifiant_rpls: '59000012ab' }, 'CONTRACT_INVALID', 'identifiant_rpls'],
    [{ siren_bailleur: '12345678X' }, 'CONTRACT_INVALID', 'siren_bailleur must be a SIREN of 9 digits'],
    [{ code_commune: '59999' }, 'COMMUNE_INCONNUE', 'code_commune 59999 is not a current INSEE commune'],
    [{ nb_pieces: '21' }, 'CONTRACT_INVALID', 'nb_pieces must be a whole number from 0 to 20'],
    [{ surface_habitable: '64.505' }, 'CONTRACT_INVALID', 'surface_habitable'],
    [{ surface_habitable: '0' }, 'CONTRACT_INVALID', 'surface_habitable must be more than 0'],
    [{ type_construction: 'collectif' }, 'CONTRACT_INVALID', 'type_construction must be one of'],
    [{ annee_achevement: '2099' }, 'CONTRACT_INVALID', 'annee_achevement must lie between 1600 and 2026'],
    [{ financement: 'PLUS ' + 'X' }, 'CONTRACT_INVALID', 'financement'],
    [{ conventionne: 'oui' }, 'CONTRACT_INVALID', 'conventionne must be one of "0", "1"'],
    [{ qpv: '' }, 'CONTRACT_INVALID', 'qpv'],
  ])('rejects %j with %s', (change, code, message) => {
    const mapped = mapRow({ ...ROW, ...change }, 2026);
    expect(mapped).toMatchObject({ error: { code } });
    expect('error' in mapped && mapped.error.message).toContain(message);
  });

  it('names every fault of a row in one error, and keeps a valid identifiant for the snapshot', () => {
    const mapped = mapRow({ ...ROW, nb_pieces: 'x', qpv: '2' }, 2026);
    expect(mapped).toEqual({
      error: {
        code: 'CONTRACT_INVALID',
        message: 'nb_pieces must be a whole number from 0 to 20; qpv must be one of "0", "1".',
      },
      identifiantRpls: '5900001234',
    });
    expect(mapRow({ ...ROW, identifiant_rpls: 'bad' }, 2026)).not.toHaveProperty('identifiantRpls');
  });
});

describe('contract examples', () => {
  for (const [file, charset] of [
    ['parc-utf8.csv', 'utf-8'],
    ['parc-iso-8859-1.csv', 'iso-8859-1'],
  ] as const) {
    it(`reads and maps every row of ${file}`, async () => {
      const bytes = readFileSync(new URL(`../../../contracts/rpls/v1/examples/${file}`, import.meta.url));
      const lines = [];
      for await (const batch of csvLines([bytes], { charset, maxBytes: 1e6, maxLineBytes: 1e4 })) {
        lines.push(...batch);
      }
      const [head, ...rows] = lines;
      const header = readHeader(splitFields((head as { text: string }).text, 1024));
      expect(rows.length).toBeGreaterThan(1);
      for (const line of rows) {
        const fields = splitFields((line as { text: string }).text, 1024) as string[];
        const row = rowOf(header, fields) as RplsRow;
        expect(Object.keys(row).sort()).toEqual([...COLUMNS].sort());
        expect(mapRow(row, 2026)).toHaveProperty('record');
      }
    });
  }
});
