import { describe, expect, it } from 'vitest';
import { uuidV7 } from './uuid-v7.ts';

describe('uuidV7', () => {
  it('is a version 7, variant 10 UUID carrying the time in milliseconds', () => {
    const id = uuidV7(0x0193_1234_5678);
    expect(id).toMatch(/^01931234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by time: an id made later sorts after, whatever its random bits', () => {
    const ids = Array.from({ length: 200 }, (_, i) => uuidV7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((id) => id.slice(14))).size).toBe(200);
  });
});
