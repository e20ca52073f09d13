import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../services/db/pool.ts';
import { freePort } from './faults/private-services.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN } from './helpers/hub.ts';
import { postUntilAnswered } from './helpers/post-until-answered.ts';
import { startHubProcess, stopAllHubProcesses } from './helpers/processes.ts';
import { enregistrement, lot, modification } from './helpers/spt.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * Several hubs on one PostgreSQL and one Redis (README, "Horizontal scale"): two API processes
 * and two worker processes (and one scheduler) take one stream of lots, each lot sent to either
 * API, with modifications that must follow their enregistrement. No message is lost, none is
 * applied twice, and every modification lands after its enregistrement.
 */
const LOTS = 16;
const PER_LOT = 100;

describe('two API and two worker processes on one stream', () => {
  let database: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  const ports: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      SNE_ADMIN_TOKEN: ADMIN_TOKEN,
      SNE_QUEUE_PREFIX: `h${randomBytes(5).toString('hex')}`,
      SNE_DEFER_DELAY_MS: '20',
    };
    ports.push(await freePort(), await freePort());
    const processes = [
      ...ports.map((port) => startHubProcess({ ...env, SNE_ROLES: 'api', PORT: String(port) })),
      startHubProcess({ ...env, SNE_ROLES: 'worker' }),
      startHubProcess({ ...env, SNE_ROLES: 'worker' }),
      startHubProcess({ ...env, SNE_ROLES: 'scheduler' }),
    ];
    await Promise.all(processes.map((p) => p.ready(60_000)));
    pool = createPool({ connectionString: database.url, max: 2 });
  }, 120_000);

  afterAll(async () => {
    await stopAllHubProcesses();
    await pool?.end();
    await database?.drop();
  });

  it('applies every message once, in the order of each demande', async () => {
    const created = await postUntilAnswered(
      ports,
      '/admin/clients',
      JSON.stringify({
        id: 'guichet-scale',
        role: 'guichet',
        organisme: '123456789',
        nom: 'Scale',
        departements: ['59'],
        codeGuichet: 'GS59A',
      }),
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    );
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/xml' };

    // Even lots register demandes; lot n + 1 modifies those of lot n. It is sent once lot n has its
    // 202, at the same time as lot n + 2 to the other API: it may have to wait for lot n's apply.
    const send = async (n: number) => {
      const messages = Array.from({ length: PER_LOT }, (_, i) =>
        n % 2 === 0
          ? enregistrement({
              id: `E-${n}-${i}`,
              ref: `REF-${n}-${i}`,
              nom: `Echelle ${n}`,
              prenom: `P${i}`,
              typologie: 'T2',
            })
          : modification(`M-${n}-${i}`, `REF-${n - 1}-${i}`, '<typologie>T5</typologie>'),
      );
      const reply = await postUntilAnswered(ports, '/connectors/spt/v2/lots', lot(...messages), headers, n);
      expect(reply.status).toBe(202);
      const receipt = (await reply.json()) as { accepted: number };
      expect(receipt.accepted).toBe(PER_LOT);
    };
    await send(0);
    for (let n = 2; n < LOTS; n += 2) await Promise.all([send(n), send(n - 1)]);
    await send(LOTS - 1);

    const total = LOTS * PER_LOT;
    const counts = async () =>
      (
        await pool.query<{
          applied: number;
          other: number;
          demandes: number;
          numeros: number;
          t5: number;
          events: number;
        }>(
          `SELECT (SELECT count(*) FILTER (WHERE status = 'applied') FROM messages)::int AS applied,
                  (SELECT count(*) FILTER (WHERE status <> 'applied') FROM messages)::int AS other,
                  (SELECT count(*) FROM demandes)::int AS demandes,
                  (SELECT count(DISTINCT numero_unique) FROM demandes)::int AS numeros,
                  (SELECT count(*) FROM demandes WHERE typologie = 'T5')::int AS t5,
                  (SELECT count(*) FROM events)::int AS events`,
        )
      ).rows[0];
    await waitFor(
      async () => ((await counts())?.applied === total ? true : undefined),
      90_000,
      'every message applied',
    );
    // Half the messages registered demandes, the other half modified each of them once, after it.
    expect(await counts()).toEqual({
      applied: total,
      other: 0,
      demandes: total / 2,
      numeros: total / 2,
      t5: total / 2,
      events: total,
    });
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM demande_historique h
        WHERE h.kind = 'modification'
          AND NOT EXISTS (SELECT 1 FROM demande_historique e
                           WHERE e.numero_unique = h.numero_unique AND e.kind = 'enregistrement' AND e.id < h.id)`,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
