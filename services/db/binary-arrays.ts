/**
 * Columns of many rows sent to PostgreSQL as arrays in its binary format. `pg` sends a Buffer
 * parameter as binary, so `$1::text[]` receives each element's bytes as they are: nothing to quote
 * or escape here, nothing to parse there. Cast the elements in SQL (`m.id::uuid`,
 * `m.canonical::jsonb`); `unnest($1::text[], $2::text[]) WITH ORDINALITY` makes the rows.
 *
 * Measured on a lot of 500 messages (raw XML and canonical command): the same rows as one JSON
 * document through `jsonb_to_recordset` took 11.5 ms a statement, as binary arrays 2.0 ms (5.7 ms
 * with the canonical commands cast to jsonb): PostgreSQL parsed every byte of the document,
 * the raw texts included, and `JSON.stringify` escaped them all first.
 */

/** PostgreSQL's `text` type. */
const TEXT_OID = 25;
/** Number of dimensions, has-nulls flag, element type, then the one dimension's length and lower bound. */
const HEADER_BYTES = 20;

/** A `text[]` parameter, binary: `null` and `undefined` elements are SQL NULLs. */
export function textArray(values: readonly (string | null | undefined)[]): Buffer {
  let size = HEADER_BYTES;
  let hasNull = 0;
  const lengths = values.map((value) => {
    if (value === null || value === undefined) {
      hasNull = 1;
      size += 4;
      return -1;
    }
    const length = Buffer.byteLength(value, 'utf8');
    size += 4 + length;
    return length;
  });
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(1, 0);
  at = out.writeInt32BE(hasNull, at);
  at = out.writeUInt32BE(TEXT_OID, at);
  at = out.writeInt32BE(values.length, at);
  at = out.writeInt32BE(1, at);
  values.forEach((value, i) => {
    const length = lengths[i] as number;
    at = out.writeInt32BE(length, at);
    if (length > 0) at += out.write(value as string, at, length, 'utf8');
  });
  return out;
}

/**
 * A `text[]` value as PostgreSQL's text literal (`{"a","b"}`), for an array that is one element
 * of a binary column (cast it in SQL: `m.keys::text[]`); `null` stays `null`.
 */
export function arrayLiteral(values: readonly string[] | null | undefined): string | null {
  if (!values) return null;
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** One column of rows sent as a binary array: its name in SQL, its type, its text from a row. */
export interface Column<T> {
  name: string;
  /** The SQL type the text is cast to (`text`, `uuid`, `date`, `jsonb`, `text[]`…). */
  type: string;
  value: (row: T) => string | null | undefined;
}

/**
 * A FROM item giving `rows` back in SQL, one binary array parameter a column from `$first` on: each
 * column cast to its type under its name (quoted), with `n`, the row's position from 1.
 */
export function unnestColumns<T>(columns: readonly Column<T>[], first = 1): string {
  const parameters = columns.map((_, i) => `$${first + i}::text[]`).join(', ');
  const fields = columns.map((_, i) => `c${i}`).join(', ');
  const casts = columns.map((c, i) => `c${i}::${c.type} AS "${c.name}"`).join(', ');
  return `(SELECT ${casts}, n FROM unnest(${parameters}) WITH ORDINALITY AS r(${fields}, n))`;
}

/** The parameters of `unnestColumns(columns)` for these rows. */
export function columnParameters<T>(columns: readonly Column<T>[], rows: readonly T[]): Buffer[] {
  return columns.map((c) => textArray(rows.map(c.value)));
}

/** A JSON column's text: `null` for a value that is absent. */
export function jsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
