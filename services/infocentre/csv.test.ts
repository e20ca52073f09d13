import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';

describe('toCsv', () => {
  it('writes a BOM, ";" separators, CRLF, decimal commas, "-" for secret cells, and quotes when needed', () => {
    const csv = toCsv(
      ['Territoire', 'Libellé', 'Part (%)'],
      [
        ['departement:59', 'Nord', 64.08],
        ['commune:59350', 'Lille; "centre"', null],
      ],
    );
    expect(csv).toBe(
      '\uFEFFTerritoire;Libellé;Part (%)\r\ndepartement:59;Nord;64,08\r\ncommune:59350;"Lille; ""centre""";-\r\n',
    );
  });
});
