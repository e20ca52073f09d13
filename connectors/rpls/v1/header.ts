import { HttpProblem } from '../../../services/http/problem.ts';
import { type Fields, SEPARATOR } from './csv-fields.ts';

/** The columns of an RPLS v1 file, in any order (interfaces.md §8). */
export const COLUMNS = [
  'identifiant_rpls',
  'siren_bailleur',
  'code_commune',
  'nb_pieces',
  'surface_habitable',
  'type_construction',
  'annee_achevement',
  'financement',
  'conventionne',
  'qpv',
] as const;
export type Column = (typeof COLUMNS)[number];

/** A data row by column name, as the contract (`logement.schema.json`) describes it. */
export type RplsRow = Record<Column, string>;

/** Where each column is in the file's lines, and how many fields a line must have. */
export interface Header {
  readonly width: number;
  readonly positions: Readonly<Record<Column, number>>;
}

/**
 * Reads the header line. A missing or repeated column, or another separator, refuses the whole
 * file (400 CSV_HEADER_INVALID): its rows could not be read reliably. Unknown columns are ignored
 * (a later RPLS export may add some). Names are compared without case and surrounding spaces.
 */
export function readHeader(fields: Fields): Header {
  if (!Array.isArray(fields)) throw headerInvalid(`The header line cannot be read: ${fields.message}`);
  const names = fields.map((name) => name.trim().toLowerCase());
  if (names[0]?.startsWith('ï»¿') || names[0]?.startsWith('\ufeff')) {
    throw headerInvalid('The file starts with a UTF-8 byte order mark: send it as charset=utf-8.');
  }
  const other = names.length === 1 ? [',', '\t', '|'].find((s) => names[0]?.includes(s)) : undefined;
  if (other) {
    throw headerInvalid(
      `The separator must be "${SEPARATOR}"; this header seems to use ${JSON.stringify(other)}.`,
    );
  }
  const positions: Partial<Record<Column, number>> = {};
  for (const column of COLUMNS) {
    const at = names.indexOf(column);
    if (at !== -1 && names.indexOf(column, at + 1) !== -1) {
      throw headerInvalid(`The column ${column} appears twice.`);
    }
    if (at !== -1) positions[column] = at;
  }
  const missing = COLUMNS.filter((column) => positions[column] === undefined);
  if (missing.length > 0) {
    throw headerInvalid(`Missing column(s): ${missing.join(', ')}. Expected: ${COLUMNS.join(SEPARATOR)}.`);
  }
  return { width: names.length, positions: positions as Record<Column, number> };
}

/** The row of a line's fields, or an error when it does not have the header's number of fields. */
export function rowOf(header: Header, fields: string[]): RplsRow | { code: string; message: string } {
  if (fields.length !== header.width) {
    return {
      code: 'CSV_FIELD_COUNT',
      message: `The line has ${fields.length} field(s); the header has ${header.width} (separator "${SEPARATOR}").`,
    };
  }
  const row = {} as RplsRow;
  for (const column of COLUMNS) row[column] = fields[header.positions[column]] as string;
  return row;
}

function headerInvalid(detail: string): HttpProblem {
  return new HttpProblem('CSV_HEADER_INVALID', `${detail} Nothing was kept.`);
}
