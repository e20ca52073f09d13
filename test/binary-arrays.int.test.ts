import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arrayLiteral,
  booleanText,
  type Column,
  columnParameters,
  jsonText,
  numberText,
  textArray,
  unnestColumns,
} from '../services/db/binary-arrays.ts';
import { createTestDatabase } from './helpers/database.ts';

/**
 * Rows sent as binary `text[]` parameters reach PostgreSQL byte for byte: the texts that a text
 * format or a JSON document would have to escape (quotes, backslashes, braces, commas, new lines,
 * non-Latin characters) and NULLs, in the order given.
 */
describe('binary array parameters', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  const awkward = [
    '<m id="1">a\\b</m>',
    '{"quoted": "x,y"}',
    'ligne 1\nligne 2\ttab',
    'Étienne Œuvre 😀',
    '',
    'NULL',
    ' spaces ',
    // Three bytes of UTF-8 for each UTF-16 unit, the most there can be, then four for each pair.
    '€'.repeat(1000),
    '😀'.repeat(500),
  ];

  it('gives back each text as it was sent, NULLs included', async () => {
    const values = [...awkward, null, undefined];
    const { rows } = await client.query<{ value: string | null; n: string }>(
      'SELECT value, n FROM unnest($1::text[]) WITH ORDINALITY AS t(value, n) ORDER BY n',
      [textArray(values)],
    );
    expect(rows.map((r) => r.value)).toEqual([...awkward, null, null]);
  });

  it('makes room for the length of every NULL', async () => {
    // Nothing but NULLs and empty texts: no slack from the texts' sizing to hide a missing length.
    const values = [...Array.from({ length: 100 }, () => null), '', null, ''];
    const { rows } = await client.query<{ value: string | null }>(
      'SELECT value FROM unnest($1::text[]) WITH ORDINALITY AS t(value, n) ORDER BY n',
      [textArray(values)],
    );
    expect(rows.map((r) => r.value)).toEqual(values);
  });

  it('sends an empty array', async () => {
    const { rows } = await client.query<{ n: number }>('SELECT cardinality($1::text[]) AS n', [
      textArray([]),
    ]);
    expect(rows[0]?.n).toBe(0);
  });

  it('makes rows of typed, named columns, with their position', async () => {
    interface Row {
      id: string;
      day: string;
      tags: string[];
      details: object | null;
      flag: boolean;
    }
    const columns: Column<Row>[] = [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'day', type: 'date', value: (r) => r.day },
      { name: 'tags', type: 'text[]', value: (r) => arrayLiteral(r.tags) },
      { name: 'details', type: 'jsonb', value: (r) => jsonText(r.details) },
      { name: 'flag', type: 'boolean', value: (r) => booleanText(r.flag) },
    ];
    const given: Row[] = [
      {
        id: '0190a1b2-0000-7000-8000-000000000001',
        day: '2025-03-01',
        tags: ['a"b', 'c\\d', 'e,f'],
        details: { x: 'é"' },
        flag: true,
      },
      { id: '0190a1b2-0000-7000-8000-000000000002', day: '2025-03-02', tags: [], details: null, flag: false },
    ];
    const { rows } = await client.query(
      `SELECT r.id, r.day, r.tags, r.details, r.flag, r.n FROM ${unnestColumns(columns, 2)} AS r
        WHERE $1::int = 1 ORDER BY r.n`,
      [1, ...columnParameters(columns, given)],
    );
    expect(rows).toEqual([
      { ...given[0], n: '1' },
      { ...given[1], n: '2' },
    ]);
  });

  it('is refused by PostgreSQL when a text holds a NUL character, as a JSON document was', async () => {
    await expect(client.query('SELECT $1::text[]', [textArray(['a\u0000b'])])).rejects.toThrow();
    await expect(client.query('SELECT 1')).resolves.toBeDefined();
  });

  it('refuses, before sending, what UTF-8 or numeric would silently change', () => {
    // A lone surrogate would reach PostgreSQL as U+FFFD: the data would differ from what was sent.
    expect(() => textArray(['ok', 'x\ud800'])).toThrow('element 2 holds a lone UTF-16 surrogate');
    expect(() => textArray(['\udc00'])).toThrow(TypeError);
    expect(() => textArray(['a pair is fine \u{1F600}'])).not.toThrow();
    expect(() => textArray([42 as unknown as string])).toThrow('element 1 is a number, not a text');
    // numeric accepts 'NaN' and 'Infinity': they are refused here, as absent values are NULLs.
    expect(() => numberText(Number.NaN)).toThrow(TypeError);
    expect(() => numberText(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect([numberText(1234.5), numberText(0), numberText(null), numberText(undefined)]).toEqual([
      '1234.5',
      '0',
      null,
      null,
    ]);
    expect([booleanText(true), booleanText(false), booleanText(undefined)]).toEqual(['true', 'false', null]);
  });
});
