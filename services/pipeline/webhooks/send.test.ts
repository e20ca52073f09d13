import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './send.ts';

/** A receiver that answers 204, never answers, or sends its headers and stalls the body. */
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/ok') res.writeHead(204).end();
    else if (req.url === '/stalled-body') res.writeHead(200, { 'content-length': '10' }).write('12345');
    // '/silent': nothing, ever.
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

const request = (path: string) => ({
  url: `${base}${path}`,
  id: 'evt-1',
  body: '{}',
  secret: 'whsec_c2VjcmV0',
});
const options = { timeoutMs: 300, allowPrivate: true };

describe('send', () => {
  it('is a success on a 2xx', async () => {
    expect(await send(request('/ok'), options)).toEqual({ ok: true, statusCode: 204 });
  });

  it('ends a silent receiver, or one that stalls its body, as a timeout after timeoutMs', async () => {
    for (const path of ['/silent', '/stalled-body']) {
      const started = Date.now();
      expect(await send(request(path), options), path).toEqual({ ok: false, error: 'timeout' });
      expect(Date.now() - started, path).toBeGreaterThanOrEqual(290);
    }
    // The next attempt to the same receiver goes through.
    expect(await send(request('/ok'), options)).toEqual({ ok: true, statusCode: 204 });
  });

  it('never connects to a private IP literal unless allowed (Node calls no lookup for one)', async () => {
    let reached = 0;
    server.once('request', () => reached++);
    const privateOnly = { ...options, allowPrivate: false };
    expect(await send(request('/ok'), privateOnly)).toEqual({ ok: false, error: 'WEBHOOK_ADDRESS_PRIVATE' });
    expect(await send({ ...request(''), url: 'http://[::1]:9/' }, privateOnly)).toEqual({
      ok: false,
      error: 'WEBHOOK_ADDRESS_PRIVATE',
    });
    expect(reached).toBe(0);
  });

  it('reports a refused connection, another protocol and a bad URL without throwing', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
    expect(await send({ ...request(''), url: `http://127.0.0.1:${port}/` }, options)).toEqual({
      ok: false,
      error: 'ECONNREFUSED',
    });
    // A protocol node:http refuses at once: an outcome, and no timer left to fire on a request never made.
    expect(await send({ ...request(''), url: 'ftp://127.0.0.1/' }, options)).toEqual({
      ok: false,
      error: 'ERR_INVALID_PROTOCOL',
    });
    await new Promise((resolve) => setTimeout(resolve, options.timeoutMs + 50));
    expect(await send({ ...request(''), url: 'not a url' }, options)).toEqual({
      ok: false,
      error: 'invalid URL',
    });
  });
});
