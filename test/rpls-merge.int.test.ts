import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeImport, sortisStatement } from '../services/pipeline/parc-merge.ts';
import { createRplsQueue } from '../services/pipeline/queues.ts';
import { provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * The merge's two ways into `logements` (parc-merge.ts): into an empty parc, the rows inserted with
 * the table's indexes dropped and built again in the same transaction; otherwise an UPDATE of the
 * changed rows and an INSERT of the new ones. Both give the same parc; the first must leave every
 * index as it was, and must not wait for a reader of the parc (it merges the usual way instead).
 */
let hub: TestHub;
let rpls: string;

const HEADER =
  'identifiant_rpls;siren_bailleur;code_commune;nb_pieces;surface_habitable;type_construction;annee_achevement;financement;conventionne;qpv';

/** A file of these logements, each with its nb_pieces (3 unless given). */
function csv(ids: string[], pieces: Record<string, string> = {}): string {
  const rows = ids.map((id) => `${id};123456789;59350;${pieces[id] ?? '3'};64,5;COLLECTIF;1972;PLUS;1;0`);
  return `${[HEADER, ...rows].join('\n')}\n`;
}

/** The object id of an index: a new one once the index was dropped and built again. */
async function indexOid(name: string): Promise<number> {
  const { rows } = await hub.pool.query<{ oid: number }>('SELECT $1::regclass::oid AS oid', [name]);
  return Number(rows[0]?.oid);
}

interface ImportStatus {
  importId: string;
  status: string;
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Posts a file and waits until its import is no longer running. */
async function imported(body: string): Promise<ImportStatus> {
  const reply = await hub.app.inject({
    method: 'POST',
    url: '/connectors/rpls/v1/imports?mode=upsert',
    headers: { authorization: `Bearer ${rpls}`, 'content-type': 'text/csv; charset=utf-8' },
    payload: body,
  });
  expect(reply.statusCode, reply.body).toBe(202);
  const { importId } = reply.json<{ importId: string }>();
  return waitFor(async () => {
    const view = (
      await hub.app.inject({
        method: 'GET',
        url: `/connectors/rpls/v1/imports/${importId}`,
        headers: { authorization: `Bearer ${rpls}` },
      })
    ).json<ImportStatus>();
    return view.status === 'running' ? undefined : { ...view, importId };
  }, 30_000);
}

/** The definitions of every index of `logements`, and of its constraints. */
async function logementsShape(): Promise<string[]> {
  const { rows } = await hub.pool.query<{ def: string }>(
    `SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'logements'
     UNION ALL
     SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'logements'::regclass
     ORDER BY 1`,
  );
  return rows.map((row) => row.def);
}

beforeAll(async () => {
  hub = await startTestHub();
  rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', departements: ['*'] });
});

afterAll(async () => {
  if (hub) {
    const queue = createRplsQueue({ connection: hub.infrastructure.redis, prefix: hub.config.queuePrefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await hub.close();
  }
});

describe('the merge into logements', () => {
  it('waits for no reader of an empty parc: it merges the usual way while one holds the table', async () => {
    // A reader's open transaction holds a lock on logements that the empty-parc way cannot take.
    const keys = await indexOid('logements_pkey');
    const reader = await hub.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM logements');
      const done = await imported(csv(['RD00000001', 'RD00000002']));
      expect(done).toMatchObject({ status: 'completed', inserted: 2, updated: 0, unchanged: 0 });
      await reader.query('COMMIT');
      expect(await indexOid('logements_pkey')).toBe(keys);
    } finally {
      reader.release();
    }
    await hub.pool.query('DELETE FROM logements');
  });

  it('fills an empty parc with its indexes dropped and built again, then merges into it row by row', async () => {
    const shape = await logementsShape();
    expect(shape.some((def) => def.includes('logements_pkey'))).toBe(true);
    const oids = await Promise.all(['logements_pkey', 'logements_bailleur'].map(indexOid));

    const ids = Array.from({ length: 50 }, (_, i) => `EM${String(i).padStart(8, '0')}`);
    const first = await imported(csv(ids));
    expect(first).toMatchObject({ status: 'completed', inserted: 50, updated: 0, unchanged: 0 });
    expect(await logementsShape()).toEqual(shape);
    const rebuilt = await Promise.all(['logements_pkey', 'logements_bailleur'].map(indexOid));
    expect(rebuilt[0]).not.toBe(oids[0]);
    expect(rebuilt[1]).not.toBe(oids[1]);
    // The key is there again and enforced.
    await expect(
      hub.pool.query(
        `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
         VALUES ('EM00000000', '123456789', '59350', '59')`,
      ),
    ).rejects.toMatchObject({ code: '23505' });

    // Into the parc now filled: 10 changed, 40 unchanged, 5 new.
    const added = ['EM00000050', 'EM00000051', 'EM00000052', 'EM00000053', 'EM00000054'];
    const next = await imported(
      csv([...ids, ...added], Object.fromEntries(ids.slice(0, 10).map((id) => [id, '4']))),
    );
    expect(next).toMatchObject({ status: 'completed', inserted: 5, updated: 10, unchanged: 40 });
    const { rows } = await hub.pool.query<{ pieces: number; n: number }>(
      `SELECT nb_pieces AS pieces, count(*)::int AS n FROM logements WHERE identifiant_rpls LIKE 'EM%' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { pieces: 3, n: 45 },
      { pieces: 4, n: 10 },
    ]);
    expect(await logementsShape()).toEqual(shape);
    // Merged row by row: the indexes were kept.
    expect(await Promise.all(['logements_pkey', 'logements_bailleur'].map(indexOid))).toEqual(rebuilt);

    // A merge run again (a retried job) finds the import done and changes nothing.
    expect(await mergeImport(hub.pool, next.importId)).toBeUndefined();
    const again = await hub.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM logements`);
    expect(again.rows[0]?.n).toBe(55);
  });

  it("reads a snapshot's bailleurs in the sender's départements only, by the index's two columns", async () => {
    // The plan, not the result (other tests check which logements go out): a regional client's
    // snapshot naming a national bailleur must not read the bailleur's logements elsewhere in France.
    const client = await hub.pool.connect();
    try {
      await client.query('BEGIN');
      // A national bailleur: 20,000 logements in Paris, 20 in the Nord; a file of the Nord's.
      await client.query(
        `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
         SELECT 'PL' || lpad(i::text, 8, '0'), '987654321', CASE WHEN i <= 20 THEN '59350' ELSE '75056' END,
                CASE WHEN i <= 20 THEN '59' ELSE '75' END
           FROM generate_series(1, 20000) AS i`,
      );
      await client.query(
        `CREATE TEMP TABLE staged ON COMMIT DROP AS
         SELECT 'PL' || lpad(i::text, 8, '0') AS identifiant_rpls, '987654321' AS siren_bailleur, true AS valid
           FROM generate_series(1, 10) AS i`,
      );
      await client.query('ANALYZE logements');
      await client.query('ANALYZE staged');
      const plan = async (departements: string[]) => {
        const { text, values } = sortisStatement(
          'staged',
          '00000000-0000-4000-8000-000000000000',
          departements,
        );
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      };
      expect(await plan(['59', '62'])).toMatch(
        /Index Scan using logements_bailleur .*\n.*Index Cond: \(\(siren_bailleur = .*\) AND \(departement = ANY/,
      );
      expect(await plan(['*'])).not.toMatch(/departement/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
