import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RATE_LIMITS, loadConfig } from '../config/config.ts';

/** SNE_RATE_LIMIT_PER_MINUTE and SNE_PUBLIC_URL, read and validated at start-up. */
const base = { SNE_ADMIN_TOKEN: 'a-long-enough-admin-token' };

describe('rate limit configuration', () => {
  it('defaults to the documented limits', () => {
    expect(loadConfig(base).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(DEFAULT_RATE_LIMITS).toEqual({ '*': 600, pgp: 6000, public: 120, 'failed-auth': 30 });
  });

  it('merges the roles given over the defaults', () => {
    const config = loadConfig({ ...base, SNE_RATE_LIMIT_PER_MINUTE: '{"bailleur":1200,"*":300}' });
    expect(config.rateLimits).toEqual({
      '*': 300,
      pgp: 6000,
      public: 120,
      'failed-auth': 30,
      bailleur: 1200,
    });
  });

  it.each([
    ['not JSON', 'SNE_RATE_LIMIT_PER_MINUTE must be a JSON object'],
    ['[1]', 'SNE_RATE_LIMIT_PER_MINUTE must be a JSON object'],
    ['{"banquier":10}', 'unknown role banquier'],
    ['{"guichet":0}', 'guichet must be an integer >= 1'],
    ['{"guichet":1.5}', 'guichet must be an integer >= 1'],
    ['{"guichet":"10"}', 'guichet must be an integer >= 1'],
  ])('refuses %s at start-up', (value, message) => {
    expect(() => loadConfig({ ...base, SNE_RATE_LIMIT_PER_MINUTE: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SNE_RATE_LIMIT_PER_MINUTE: value })).toThrow(message);
  });
});

describe('public URL', () => {
  it('is the servers entry of the document: from SNE_PUBLIC_URL, else localhost and the port', () => {
    expect(loadConfig({ ...base, PORT: '9090' }).publicUrl).toBe('http://localhost:9090');
    expect(loadConfig({ ...base, SNE_PUBLIC_URL: 'https://sne.example.fr' }).publicUrl).toBe(
      'https://sne.example.fr',
    );
    expect(() => loadConfig({ ...base, SNE_PUBLIC_URL: 'ftp://x' })).toThrow(ConfigError);
  });
});
