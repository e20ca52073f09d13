import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';

describe('secret box', () => {
  const box = createSecretBox('a key material of at least 32 characters', 'webhook-secret');

  it('opens what it sealed, and the sealed form does not hold the secret', () => {
    const sealed = box.seal('whsec_c2VjcmV0');
    expect(box.open(sealed)).toBe('whsec_c2VjcmV0');
    expect(sealed.toString('latin1')).not.toContain('whsec_');
    expect(box.seal('whsec_c2VjcmV0').equals(sealed)).toBe(false);
  });

  it('refuses a tampered box or another key', () => {
    const sealed = box.seal('whsec_c2VjcmV0');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => box.open(tampered)).toThrow();
    expect(() =>
      createSecretBox('another key material, 32 characters long', 'webhook-secret').open(sealed),
    ).toThrow();
    expect(() =>
      createSecretBox('a key material of at least 32 characters', 'other-purpose').open(sealed),
    ).toThrow();
  });
});
