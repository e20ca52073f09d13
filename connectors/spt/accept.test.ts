import { describe, expect, it } from 'vitest';
import { prefersXml } from './accept.ts';

describe('prefersXml', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['application/xml', true],
    ['text/xml', true],
    ['application/xml, application/json', true],
    ['application/json, application/xml', false],
    ['application/json;q=0.5, application/xml', true],
    ['application/xml;q=0.5, application/json', false],
    ['application/xml, */*;q=0.1', true],
    ['application/*', false],
    ['text/*', true],
    ['application/xml;q=0', false],
    ['application/json, */*', false],
  ])('Accept %s → %s', (accept, expected) => {
    expect(prefersXml(accept)).toBe(expected);
  });
});
