import { describe, expect, it } from 'vitest';
import { checkPgpV1Examples } from './contract.ts';
import { PGP_V1_MESSAGE_TYPES } from './messages.ts';

describe('PGP v1 contract examples', () => {
  const checks = checkPgpV1Examples();

  it('cover every message type', () => {
    expect([...new Set(checks.map((c) => c.type))].sort()).toEqual([...PGP_V1_MESSAGE_TYPES].sort());
  });

  it.each(checks.map((c) => [c.file, c] as const))('%s validates and maps', (_file, check) => {
    expect(check.errors ?? []).toEqual([]);
    expect(check.command).toBeDefined();
  });
});
