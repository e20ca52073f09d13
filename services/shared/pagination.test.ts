import { describe, expect, it } from 'vitest';
import { pageOf, rowsFor } from './pagination.ts';

describe('pageOf', () => {
  const cursorOf = (n: number) => String(n);

  it('gives no next on a page that holds every remaining row, even when it is full', () => {
    expect(pageOf([1, 2, 3], 3, cursorOf)).toEqual({ items: [1, 2, 3] });
  });

  it('gives the last kept item as next when one more row exists', () => {
    expect(pageOf([1, 2, 3, 4], 3, cursorOf)).toEqual({ items: [1, 2, 3], next: '3' });
  });

  it('handles an empty page', () => {
    expect(pageOf([], 10, cursorOf)).toEqual({ items: [] });
  });

  it('fetches one row more than the limit', () => {
    expect(rowsFor(100)).toBe(101);
  });
});
