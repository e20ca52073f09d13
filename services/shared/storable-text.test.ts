import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isUnstorable, unstorablePaths } from './storable-text.ts';

describe('isUnstorable', () => {
  it.each([
    ['plain text', 'Amélie Dupont', false],
    ['a pair of surrogates (an emoji)', 'ok \u{1F600}', false],
    ['U+0000', 'a\u0000b', true],
    ['a lone low surrogate', 'a\udfffb', true],
    ['a lone high surrogate at the end', 'a\ud800', true],
    ['U+FFFD', 'a\ufffdb', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(isUnstorable(text)).toBe(expected);
  });
});

describe('unstorablePaths', () => {
  it('gives the JSON pointer of each value and key holding such text', () => {
    const value = JSON.parse('{"a":["x","y\\u0000"],"b":{"c\\udfff":1,"d/e":"\\u0000"},"n":3}');
    expect(unstorablePaths(value)).toEqual(['/a/1', '/b/c\\udfff', '/b/d~1e']);
  });

  it('walks 10,000 levels of nesting without exhausting the stack', () => {
    const deep = JSON.parse(`${'['.repeat(10_000)}"\\u0000"${']'.repeat(10_000)}`);
    expect(unstorablePaths(deep)).toEqual([`/${Array(10_000).fill('0').join('/')}`]);
  });

  it('reports ten places at most', () => {
    expect(unstorablePaths(Array(50).fill('\u0000'))).toHaveLength(10);
  });

  it('does not walk streams or buffers (an upload is no parsed text)', () => {
    expect(unstorablePaths(Readable.from(['\u0000']))).toEqual([]);
    expect(unstorablePaths(Buffer.from('\u0000'))).toEqual([]);
  });
});
