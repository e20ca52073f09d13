import { describe, expect, it } from 'vitest';
import { isPrivateAddress, publicOnlyLookup, urlProblem } from './address.ts';

describe('webhook addresses', () => {
  it('tells private, loopback and reserved addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      // IPv4-compatible: an IPv4 address inside, which some networks route.
      '::127.0.0.1',
      '::10.0.0.1',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '193.51.24.1', '2001:4860:4860::8888']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('refuses private URLs at provisioning unless allowed, and anything but http(s)', () => {
    expect(urlProblem('https://hooks.example.org/sne', false)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/', false)).toBe('private or loopback address');
    expect(urlProblem('http://[::1]/', false)).toBe('private or loopback address');
    expect(urlProblem('http://localhost/', false)).toBe('loopback host');
    expect(urlProblem('http://localhost./hook', false)).toBe('loopback host');
    expect(urlProblem('http://api.localhost./hook', false)).toBe('loopback host');
    expect(urlProblem('http://127.0.0.1:8080/', true)).toBeUndefined();
    expect(urlProblem('ftp://example.org/', true)).toBe('only http and https URLs');
    expect(urlProblem('https://user:pw@example.org/', true)).toBe('no credentials in the URL');
    expect(urlProblem('not a url', true)).toBe('not a URL');
  });

  it('refuses, at connection time, a host name that resolves to a private address', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', {}, (err) => resolve(err)),
    );
    expect(error?.code).toBe('WEBHOOK_ADDRESS_PRIVATE');
  });
});
