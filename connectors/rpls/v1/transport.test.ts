import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../../services/http/problem.ts';
import { splitFields } from './csv-fields.ts';
import { readHeader } from './header.ts';
import { type CsvLine, type CsvLineOptions, csvCharset, csvLines } from './transport.ts';

const OPTIONS: CsvLineOptions = { charset: 'utf-8', maxBytes: 1e6, maxLineBytes: 64 };

async function linesOf(
  chunks: (string | Buffer)[],
  options: Partial<CsvLineOptions> = {},
): Promise<CsvLine[]> {
  const out: CsvLine[] = [];
  for await (const batch of csvLines(
    chunks.map((c) => Buffer.from(c)),
    { ...OPTIONS, ...options },
  ))
    out.push(...batch);
  return out;
}

function problemOf(work: () => unknown): HttpProblem {
  try {
    work();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
  }
  throw new Error('no problem thrown');
}

describe('Content-Type', () => {
  it('takes text/csv in UTF-8 (the default) or ISO-8859-1, any case', () => {
    expect(csvCharset('text/csv')).toBe('utf-8');
    expect(csvCharset('text/csv; charset=UTF-8')).toBe('utf-8');
    expect(csvCharset('Text/CSV;charset="iso-8859-1"')).toBe('iso-8859-1');
  });

  it('refuses other media types and charsets with 415', () => {
    for (const type of [undefined, 'application/json', 'text/plain']) {
      expect(problemOf(() => csvCharset(type))).toMatchObject({
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
    }
    // As the XML and JSON routes answer an encoding they do not read.
    expect(problemOf(() => csvCharset('text/csv; charset=windows-1252'))).toMatchObject({
      status: 415,
      code: 'ENCODING_UNSUPPORTED',
    });
  });
});

describe('lines', () => {
  it('splits lines across chunks, numbers them from 1, skips empty ones, accepts CRLF', async () => {
    expect(await linesOf(['a;b\r\n1;', '2\r\n\r\n3', ';4'])).toEqual([
      { line: 1, text: 'a;b' },
      { line: 2, text: '1;2' },
      { line: 4, text: '3;4' },
    ]);
  });

  it('strips a UTF-8 byte order mark, and decodes a character split between chunks', async () => {
    const bytes = Buffer.from('\ufeffa;b\nHénin;1\n');
    const split = bytes.indexOf(0xc3) + 1;
    expect(await linesOf([bytes.subarray(0, split), bytes.subarray(split)])).toEqual([
      { line: 1, text: 'a;b' },
      { line: 2, text: 'Hénin;1' },
    ]);
  });

  it('decodes ISO-8859-1', async () => {
    const latin1 = Buffer.from([0x48, 0xe9, 0x6e, 0x69, 0x6e, 0x0a]);
    expect(await linesOf([latin1], { charset: 'iso-8859-1' })).toEqual([{ line: 1, text: 'Hénin' }]);
  });

  it('rejects a line of invalid UTF-8 and goes on', async () => {
    const lines = await linesOf([Buffer.from([0x61, 0xe9, 0x0a]), 'ok\n']);
    expect(lines).toEqual([
      {
        line: 1,
        error: { code: 'CSV_ENCODING_INVALID', message: 'The line is not valid utf-8.' },
        // Byte for byte, so that the line still names its logement.
        latin1: 'aé',
      },
      { line: 2, text: 'ok' },
    ]);
  });

  it('skips a too long line to its end without keeping it', async () => {
    const lines = await linesOf(['x'.repeat(50), 'y'.repeat(50), '\nok\n', 'z'.repeat(100)]);
    expect(lines.map((l) => ('error' in l ? l.error.code : l.text))).toEqual([
      'CSV_LINE_TOO_LONG',
      'ok',
      'CSV_LINE_TOO_LONG',
    ]);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3]);
  });

  it('stops with 413 past the size limit', async () => {
    await expect(linesOf(['a;b\n', '1;2\n'], { maxBytes: 6 })).rejects.toMatchObject({ status: 413 });
  });
});

describe('fields', () => {
  it('splits on ;, reads quoted fields with doubled quotes and separators inside', () => {
    expect(splitFields('a;"b;c";"d""e";', 10)).toEqual(['a', 'b;c', 'd"e', '']);
  });

  it.each([
    ['a;"b', 'CSV_QUOTE_UNTERMINATED'],
    ['a;"b"c', 'CSV_QUOTE_INVALID'],
    ['a;b"c', 'CSV_QUOTE_INVALID'],
    [`a;${'x'.repeat(11)}`, 'CSV_FIELD_TOO_LONG'],
  ])('rejects %s with %s', (text, code) => {
    expect(splitFields(text, 10)).toMatchObject({ code });
  });
});

describe('header', () => {
  const columns =
    'identifiant_rpls;siren_bailleur;code_commune;nb_pieces;surface_habitable;type_construction;annee_achevement;financement;conventionne;qpv';

  it('takes the columns in any order, names without case, and ignores unknown ones', () => {
    const fields = ['extra', ...columns.toUpperCase().split(';').reverse()];
    const header = readHeader(fields);
    expect(header.width).toBe(11);
    expect(header.positions.qpv).toBe(1);
    expect(header.positions.identifiant_rpls).toBe(10);
  });

  it('refuses a missing column, another separator, a Latin-1 reading of a BOM', () => {
    expect(problemOf(() => readHeader(columns.split(';').slice(1)))).toMatchObject({
      status: 400,
      code: 'CSV_HEADER_INVALID',
      message: expect.stringContaining('Missing column(s): identifiant_rpls.'),
    });
    expect(problemOf(() => readHeader([columns.replaceAll(';', ',')])).message).toContain('seems to use ","');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(columns)]).toString('latin1');
    expect(problemOf(() => readHeader(bom.split(';'))).message).toContain('byte order mark');
  });
});
