import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rplsFile } from '../bench/rpls-file.ts';
import { provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';

/**
 * RPLS uploads hold a PostgreSQL connection while their body streams (a national file takes
 * minutes). They take it from a pool of their own (`SNE_RPLS_IMPORT_CONNECTIONS`), never from the
 * shared pool: with more uploads hanging mid-file than the shared pool has connections, an SPT lot
 * still gets its 202, and no more uploads than that own pool allows are COPYing at once.
 */
let hub: TestHub;
let rpls: string;
let guichet: string;

beforeAll(async () => {
  hub = await startTestHub();
  rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', organisme: '130005481', departements: ['*'] });
  guichet = await provision(hub.app, { id: 'mairie-lille', role: 'guichet', codeGuichet: 'ML59A' });
});

afterAll(async () => {
  await hub?.close();
});

/** Backends of this hub's database in the middle of a staging COPY. */
async function copying(): Promise<number> {
  const { rows } = await hub.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'COPY rpls_staging.%' AND pid <> pg_backend_pid()`,
  );
  return rows[0]?.n ?? 0;
}

describe('RPLS uploads and the shared pool', () => {
  it('answers an SPT lot with 202 while more uploads stream than the shared pool has connections', async () => {
    const sharedConnections = hub.pool.options.max ?? 10;
    const [header = '', firstRows = ''] = rplsFile(3);
    // One more upload than the shared pool has connections, each stopped after its first rows.
    const bodies = Array.from({ length: sharedConnections + 1 }, () => new PassThrough());
    const uploads = bodies.map((body) => {
      body.write(header);
      body.write(firstRows);
      return hub.app.inject({
        method: 'POST',
        url: '/connectors/rpls/v1/imports?mode=upsert',
        headers: { authorization: `Bearer ${rpls}`, 'content-type': 'text/csv; charset=utf-8' },
        payload: body,
      });
    });
    await waitFor(
      async () => ((await copying()) >= hub.config.rplsImportConnections ? true : undefined),
      30_000,
      'uploads to be COPYing',
    );

    const reply = await postLot(hub.app, guichet, lot(enregistrement({ id: 'pendant-import', ref: 'PI-1' })));
    expect(reply.statusCode, reply.body).toBe(202);
    expect(reply.json<LotReply>().accepted).toBe(1);
    // The uploads' own pool bounds them; those beyond it wait for a connection of that pool.
    expect(await copying()).toBe(hub.config.rplsImportConnections);

    for (const body of bodies) body.end();
    const replies = await Promise.all(uploads);
    expect(replies.map((r) => r.statusCode)).toEqual(bodies.map(() => 202));
  });
});
