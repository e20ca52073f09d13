import { describe, expect, it } from 'vitest';
import { HttpProblem } from './problem.ts';
import { charsetOf, firstInvalidUtf8Offset, jsonBodyText } from './text-encoding.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function problemOf(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('no problem thrown');
}

describe('charsetOf', () => {
  it.each([
    ['application/json', undefined],
    ['application/json; charset=utf-8', 'utf-8'],
    ['application/json;CHARSET="ISO-8859-1"', 'ISO-8859-1'],
    ['application/json; boundary=x; charset=latin1 ', 'latin1'],
    [undefined, undefined],
  ])('%s → %s', (contentType, expected) => {
    expect(charsetOf(contentType)).toBe(expected);
  });
});

describe('firstInvalidUtf8Offset', () => {
  it.each([
    ['Latin-1 é after ASCII', bytes('{"nom":"H', [0xe9], 'l"}'), 9],
    ['after valid accents', bytes('"Zoé ', [0xe8], '"'), 6],
    ['after a U+FFFD sent as such', bytes('"\uFFFD', [0xff], '"'), 4],
    ['a truncated sequence at the end', bytes('"ok', [0xc3]), 3],
    ['an overlong encoding', bytes('a', [0xc0, 0xaf]), 1],
    ['a UTF-16 surrogate in UTF-8', bytes('ab', [0xed, 0xa0, 0x80]), 2],
  ])('%s → %s', (_name, body, expected) => {
    expect(firstInvalidUtf8Offset(body)).toBe(expected);
  });
});

describe('jsonBodyText', () => {
  it('decodes UTF-8 as sent, byte order mark and U+FFFD included', () => {
    expect(jsonBodyText(bytes('{"nom":"Hélène \uFFFD"}'), 'application/json; charset=UTF8')).toBe(
      '{"nom":"Hélène \uFFFD"}',
    );
    expect(jsonBodyText(bytes([0xef, 0xbb, 0xbf], '{}'), undefined)).toBe('\uFEFF{}');
  });

  it('refuses bytes that are not UTF-8 with ENCODING_INVALID, naming the first one', () => {
    const problem = problemOf(() => jsonBodyText(bytes('{"nom":"H', [0xe9], 'l', [0xe8], 'ne"}'), undefined));
    expect(problem.code).toBe('ENCODING_INVALID');
    expect(problem.message).toContain('byte 0xe9 at offset 9');
  });

  it('refuses another charset with ENCODING_UNSUPPORTED, even for ASCII bytes', () => {
    const problem = problemOf(() => jsonBodyText(bytes('{}'), 'application/json; charset=iso-8859-1'));
    expect(problem.code).toBe('ENCODING_UNSUPPORTED');
    expect(problem.message).toContain('"iso-8859-1"');
  });
});
