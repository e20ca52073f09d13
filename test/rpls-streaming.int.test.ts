import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifiantRpls, rplsFile } from '../bench/rpls-file.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { importFinished } from './helpers/ops.ts';

/**
 * An RPLS file sent as a stream of chunks (2,000 rows each, ten of them) arrives whole: every row
 * is read, merged and stored, the first and the last included. The memory this takes is measured by `npm run bench:rpls-memory`
 * (peak RSS for 100,000 and 1,000,000 rows), not here: a memory bound in a test depends on the
 * machine and on the garbage collector.
 */
const ROWS = 20_000;
let hub: TestHub;
let rpls: string;

beforeAll(async () => {
  hub = await startTestHub();
  rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', organisme: '130005481', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

describe('RPLS import of a streamed file', () => {
  it(`stores every one of ${ROWS} rows sent as a stream`, async () => {
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/connectors/rpls/v1/imports?mode=snapshot',
      headers: { authorization: `Bearer ${rpls}`, 'content-type': 'text/csv; charset=utf-8' },
      payload: Readable.from(rplsFile(ROWS)),
    });
    expect(reply.statusCode, reply.body).toBe(202);
    const { importId } = reply.json<{ importId: string }>();
    const done = await importFinished(hub.app, rpls, importId, 60_000);
    expect(done).toMatchObject({ status: 'completed', rowsRead: ROWS, inserted: ROWS, rejected: 0 });
    const { rows } = await hub.pool.query<{ n: number; first: string; last: string }>(
      `SELECT count(*)::int AS n, min(identifiant_rpls) AS first, max(identifiant_rpls) AS last
         FROM logements WHERE statut = 'en-parc' AND siren_bailleur = '123456789'`,
    );
    expect(rows[0]).toEqual({ n: ROWS, first: identifiantRpls(0), last: identifiantRpls(ROWS - 1) });
    // The last row of the file, in the last chunk, with its own values.
    const last = await hub.pool.query(
      'SELECT code_commune, departement FROM logements WHERE identifiant_rpls = $1',
      [identifiantRpls(ROWS - 1)],
    );
    expect(last.rows).toEqual([{ code_commune: '59350', departement: '59' }]);
  });
});
