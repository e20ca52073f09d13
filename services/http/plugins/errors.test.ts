import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.ts';
import errorsPlugin from './errors.ts';

describe('the error handler', () => {
  it('answers a PostgreSQL error with a 500 problem and logs neither its detail, its where nor its message', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const app = Fastify({ loggerInstance: logger });
    await app.register(errorsPlugin);
    app.get('/boom', async () => {
      throw Object.assign(new pg.DatabaseError('value "Dupont Amélie" out of range', 100, 'error'), {
        code: '22003',
        detail: 'Failing row contains (Dupont, Amélie, 1985-04-12).',
        where: "unnamed portal parameter $2 = 'Dupont'",
        table: 'demandes',
      });
    });
    const reply = await app.inject({ method: 'GET', url: '/boom' });
    await app.close();

    expect(reply.statusCode).toBe(500);
    expect(reply.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
    const logged = lines.find((line) => line.includes('request failed'));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged as string).err).toMatchObject({ code: '22003', table: 'demandes' });
    for (const personal of ['Dupont', 'Amélie', '1985-04-12']) expect(lines.join('')).not.toContain(personal);
  });

  it('answers 503 what a retry may cure (deadlock, serialization, a resource short), 500 a configured limit', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorsPlugin);
    app.get('/sqlstate/:code', async (request) => {
      const { code } = request.params as { code: string };
      throw Object.assign(new pg.DatabaseError('failed', 100, 'error'), { code });
    });
    const statusOf = async (code: string) => (await app.inject({ url: `/sqlstate/${code}` })).statusCode;
    const statuses = Object.fromEntries(
      await Promise.all(
        ['40P01', '40001', '53000', '53100', '53200', '53300', '53400', '23505', '22P02'].map(
          async (code) => [code, await statusOf(code)] as const,
        ),
      ),
    );
    await app.close();
    expect(statuses).toEqual({
      '40P01': 503,
      '40001': 503,
      '53000': 503,
      '53100': 503,
      '53200': 503,
      '53300': 503,
      '53400': 500,
      '23505': 500,
      '22P02': 500,
    });
  });
});
