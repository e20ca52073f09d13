import fc from 'fast-check';
import { RawJson } from './mutations.ts';

/**
 * The hostile values of the property tests (issue 10): text PostgreSQL refuses, numbers and dates at
 * the edges of their types, huge and deeply nested values, malformed bytes. Each family is its own
 * arbitrary so that a property can say which family it is about.
 */

/** One megabyte of text in one field. */
export const ONE_MB = 'x'.repeat(1024 * 1024);

/** Text with a NUL byte or a lone surrogate, somewhere PostgreSQL's text type cannot hold them. */
export const refusedText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\udfff', '\ud800', 'x\ud83dy', 'Dupont\u0000'),
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 20 })
    .map((codes) => String.fromCharCode(...codes)),
);

/** Numbers at the edges of JavaScript, PostgreSQL and JSON Schema integer types. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    -(2 ** 63),
    2 ** 63,
    1e308,
    -1e308,
    Number.MIN_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Number literals JSON can carry but JavaScript cannot hold exactly (sent as raw JSON text). */
export const edgeNumberLiteral: fc.Arbitrary<string> = fc.constantFrom(
  '1e309',
  '-1e309',
  '9999999999999999999',
  '-9223372036854775809',
  '1e-400',
  '123456789012345678901234567890',
);

/** ISO dates from year 0 to 9999, valid in the calendar or not (month 0-13, day 0-32). */
export const edgeDate: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(
    ([y, m, d]) =>
      `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
  );

/** Values of the wrong shape, huge or deeply nested. */
export const wrongShape: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, [], {}, '', ' ', ONE_MB, [ONE_MB]),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(new RawJson(nestedObjects(10_000)), new RawJson(nestedArrays(10_000))),
);

/** `{"a":{"a":…"fond"}}` `depth` levels deep, as JSON text. */
export function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}"fond"${'}'.repeat(depth)}`;
}

/** `[[[…]]]` `depth` levels deep, as JSON text. */
export function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Bytes that are not UTF-8: a lone continuation byte, an overlong form, an encoded surrogate. */
export const invalidUtf8: fc.Arbitrary<Buffer> = fc.constantFrom(
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0x80, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0x00]),
);

/** Raw text of a path segment or query value, already percent-encoded where it needs to be. */
export const hostileParameter: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%00',
    '%FF',
    '%ED%BF%BF',
    '%C0%AF',
    '%',
    '%zz',
    '1e309',
    '9999999999999999999',
    '-1',
    '0',
    '0000-01-01',
    '9999-12-31',
    'null',
    '..',
    '%2F',
    'x'.repeat(101),
    'x'.repeat(5000),
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);
