import { COLUMNS } from '../connectors/rpls/v1/header.ts';

const ROWS_PER_CHUNK = 2000;

/**
 * A valid RPLS v1 file of `rows` logements of bailleur 123456789 in Lille, generated chunk by
 * chunk as the reader asks for more: neither the sender nor the hub need ever hold it whole.
 * Used by `bench:rpls-memory` and by `test/rpls-streaming.int.test.ts`. `first`: the index of its
 * first logement (another file of other logements).
 */
export function* rplsFile(rows: number, first = 0): Generator<string> {
  yield `${COLUMNS.join(';')}\n`;
  for (let from = first; from < first + rows; from += ROWS_PER_CHUNK) {
    let chunk = '';
    for (let i = from; i < Math.min(first + rows, from + ROWS_PER_CHUNK); i++) {
      chunk += `${identifiantRpls(i)};123456789;59350;${i % 7};${40 + (i % 60)},5;COLLECTIF;${1950 + (i % 70)};PLUS;1;${i % 2}\n`;
    }
    yield chunk;
  }
}

/** The identifier of the i-th logement of `rplsFile`. */
export function identifiantRpls(i: number): string {
  return `M${i.toString(36).toUpperCase().padStart(9, '0')}`;
}
