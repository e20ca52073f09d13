import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';

/**
 * A request that reaches a process while it drains (SIGTERM: the server closes, requests in flight
 * finish) is answered 503 problem+json, the connection closed: the client tries again elsewhere.
 * Fastify's own reply was `{"error":"Service Unavailable"}`, without a code.
 */
let hub: TestHub;
let token: string;

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  token = await provision(hub.app, { id: 'mairie-lille', role: 'guichet', codeGuichet: 'ML59A' });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await hub?.close();
});

describe('a process that drains', () => {
  it('answers a request that comes meanwhile with a 503 problem', async () => {
    const { port } = hub.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // A long-poll holds the connection busy; a second request waits behind it on the same connection.
    const request = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    socket.write(request('/feeds/events?wait=2'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = hub.app.close();
    socket.write(request('/health/live'));
    await closing;
    await closed;
    const replies = received.split(/(?=HTTP\/1\.1 )/);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(replies[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(replies[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(replies[1]).toMatch(/connection: close/i);
    expect(replies[1]).toContain('"code":"SERVICE_UNAVAILABLE"');
  });
});
