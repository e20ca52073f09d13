import { describe, expect, it } from 'vitest';
import { LOCK_KEYS } from './lock-keys.ts';

describe('LOCK_KEYS', () => {
  it('gives every advisory lock a key of its own', () => {
    const keys = Object.values(LOCK_KEYS);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
