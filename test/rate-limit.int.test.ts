import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../services/api/app.ts';
import { createInfrastructure, type Infrastructure } from '../services/pipeline/infrastructure.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { OpenApiValidator } from './helpers/openapi-validator.ts';

/**
 * Per-client rate limits (interfaces.md §13): counted in Redis per client, shared by every API
 * process of the hub, 429 problem+json with Retry-After, never on /health/*.
 */
let hub: TestHub;
/** A second API process of the same hub: same database, same Redis, same key prefix. */
let second: { app: FastifyInstance; infrastructure: Infrastructure };
let validator: OpenApiValidator;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  hub = await startTestHub({
    workers: false,
    env: {
      SNE_RATE_LIMIT_PER_MINUTE: JSON.stringify({
        guichet: 3,
        bailleur: 4,
        public: 2,
        admin: 50,
        'failed-auth': 3,
      }),
    },
  });
  const infrastructure = createInfrastructure(hub.config);
  second = {
    app: await buildApp({ config: hub.config, infrastructure, logger: pino({ level: 'silent' }) }),
    infrastructure,
  };
  await second.app.ready();
  validator = await OpenApiValidator.of(hub.app);
  for (const [id, role, codeGuichet] of [
    ['guichet-a', 'guichet', 'GUIAA'],
    ['guichet-b', 'guichet', 'GUIBB'],
    ['bailleur-a', 'bailleur', 'BAIAA'],
  ] as const) {
    tokens[id] = await provision(hub.app, { id, role, codeGuichet });
  }
});

afterAll(async () => {
  await second?.app.close();
  await second?.infrastructure.close();
  await hub?.close();
});

const list = (app: FastifyInstance, client: string) =>
  app.inject({ method: 'GET', url: '/sne/demandes', headers: { authorization: `Bearer ${tokens[client]}` } });

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After once a client passes its role’s limit', async () => {
    for (let i = 0; i < 3; i++) expect((await list(hub.app, 'guichet-a')).statusCode).toBe(200);
    const over = await list(hub.app, 'guichet-a');
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED', title: 'Too Many Requests' });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(validator.problems('GET', '/sne/demandes', over)).toEqual([]);
  });

  it('counts each client on its own, with its role’s limit', async () => {
    for (let i = 0; i < 3; i++) expect((await list(hub.app, 'guichet-b')).statusCode).toBe(200);
    // A bailleur's limit is 4: its fourth request still passes where a guichet's would not.
    for (let i = 0; i < 4; i++) expect((await list(hub.app, 'bailleur-a')).statusCode).toBe(200);
    expect((await list(hub.app, 'bailleur-a')).statusCode).toBe(429);
  });

  it('shares the count between API processes through Redis', async () => {
    await provision(hub.app, { id: 'guichet-c', role: 'guichet', codeGuichet: 'GUICC' }).then((token) => {
      tokens['guichet-c'] = token;
    });
    expect((await list(hub.app, 'guichet-c')).statusCode).toBe(200);
    expect((await list(second.app, 'guichet-c')).statusCode).toBe(200);
    expect((await list(hub.app, 'guichet-c')).statusCode).toBe(200);
    // The fourth request of the minute, on the other process: refused there too.
    expect((await list(second.app, 'guichet-c')).statusCode).toBe(429);
  });

  it('limits public routes per IP address, and never /health/*', async () => {
    const doc = (ip: string) => hub.app.inject({ method: 'GET', url: '/asyncapi.json', remoteAddress: ip });
    expect((await doc('192.0.2.1')).statusCode).toBe(200);
    expect((await doc('192.0.2.1')).statusCode).toBe(200);
    expect((await doc('192.0.2.1')).statusCode).toBe(429);
    expect((await doc('192.0.2.2')).statusCode).toBe(200);
    for (let i = 0; i < 6; i++) {
      const live = await hub.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '192.0.2.1' });
      expect(live.statusCode).toBe(200);
    }
  });

  it('refuses an address that sent too many refused tokens, but not the tokens its process accepted, in every API process', async () => {
    const valid = await provision(hub.app, { id: 'bailleur-d', role: 'bailleur', codeGuichet: 'BAIDD' });
    const known = await provision(hub.app, { id: 'bailleur-e', role: 'bailleur', codeGuichet: 'BAIEE' });
    const as = (app: FastifyInstance, ip: string, token: string) =>
      app.inject({
        method: 'GET',
        url: '/sne/demandes',
        remoteAddress: ip,
        headers: { authorization: `Bearer ${token}` },
      });
    // A client of the same address (an office, a proxy) that both processes have seen at work.
    expect((await as(hub.app, '198.51.100.7', known)).statusCode).toBe(200);
    expect((await as(second.app, '198.51.100.7', known)).statusCode).toBe(200);
    // Two refusals in one process, one in the other: the count is shared.
    expect((await as(hub.app, '198.51.100.7', 'guess-1')).statusCode).toBe(401);
    expect((await as(hub.app, '198.51.100.7', 'guess-2')).statusCode).toBe(401);
    expect((await as(second.app, '198.51.100.7', 'guess-3')).statusCode).toBe(401);

    // Over the limit: a token that process has not accepted is refused before any lookup.
    const blocked = await as(second.app, '198.51.100.7', valid);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(validator.problems('GET', '/sne/demandes', blocked)).toEqual([]);
    expect((await as(second.app, '198.51.100.7', 'guess-4')).statusCode).toBe(429);
    expect((await as(second.app, '198.51.100.7', known)).statusCode).toBe(200);
    // The first process saw the count at 2: its next refusal takes it over the limit there too.
    expect((await as(hub.app, '198.51.100.7', 'guess-5')).statusCode).toBe(401);
    expect((await as(hub.app, '198.51.100.7', valid)).statusCode).toBe(429);
    expect((await as(hub.app, '198.51.100.7', known)).statusCode).toBe(200);

    // Another address is not counted.
    expect((await as(hub.app, '198.51.100.8', valid)).statusCode).toBe(200);
  });

  it("counts the refused tokens of the queues' dashboard too, which authenticates by itself", async () => {
    const dashboard = (token: string) =>
      hub.app.inject({
        method: 'GET',
        url: '/ops/queues/api/queues',
        remoteAddress: '198.51.100.9',
        headers: { authorization: `Bearer ${token}` },
      });
    for (const guess of ['guess-a', 'guess-b', 'guess-c'])
      expect((await dashboard(guess)).statusCode).toBe(401);
    const over = await dashboard('guess-d');
    expect(over.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // And the address is refused on the other routes as well.
    const elsewhere = await hub.app.inject({
      method: 'GET',
      url: '/sne/demandes',
      remoteAddress: '198.51.100.9',
      headers: { authorization: 'Bearer guess-e' },
    });
    expect(elsewhere.statusCode).toBe(429);
  });
});
