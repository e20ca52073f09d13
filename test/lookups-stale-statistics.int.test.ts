import { createHash } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgRegistryStore } from '../services/core/store/store-pg.ts';
import { createPool } from '../services/db/pool.ts';
import { claimMessages } from '../services/pipeline/apply-worker.ts';
import { existingMessages } from '../services/pipeline/intake-store.ts';
import { firstPendingOutside, releaseKeys, resolveKeys } from '../services/pipeline/ordering.ts';
import { createTestDatabase } from './helpers/database.ts';

/**
 * The lookups of a lot's keys, on tables whose statistics lag behind them: analysed when they held
 * 200 rows, holding 30,200 now (a fresh hub filling up, a backlog building). Each lookup must read
 * about one row per key, never the table: joined as sets, the planner once read every active demande
 * to find 500 identities, sorted the whole table to find 500 references, read every message of the
 * client to find 500 sender ids, and scanned the backlog of pending keys. Counted by PostgreSQL for
 * the transaction (pg_stat_xact_user_tables), not timed.
 */
describe('a lot’s lookups on tables that grew after their statistics', () => {
  const SMALL = 200;
  const TOTAL = 30_200;
  const KEYS = 500;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
    for (const table of ['demandes', 'messages', 'pending_keys'])
      await pool.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await pool.query(`INSERT INTO clients (id, role, organisme, nom, departements, token_hash)
                      VALUES ('bailleur-59', 'bailleur', '123456789', 'B', '{59}', '\\x01')`);
    await seed(1, SMALL);
    await pool.query('ANALYZE demandes, messages, pending_keys');
    await seed(SMALL + 1, TOTAL);
  }, 120_000);
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  async function seed(from: number, to: number) {
    await pool.query(
      `INSERT INTO demandes (numero_unique, departement, date_depot, code_guichet, organisme, reference_guichet,
                             identite_hash, demandeur, menage, nombre_personnes, ressources_mensuelles, typologie,
                             communes_souhaitees, commune_rang1, motif, statut, date_echeance)
       SELECT '05903140' || lpad(i::text, 5, '0') || 'BE59A', '59', '2014-03-01', 'BE59A', '123456789', 'REF-' || i,
              md5(i::text), '{}', '{"nombrePersonnes": 1}', 1, 900, 'T2', '{59350}', '59350', 'sans-logement',
              'active', '2015-03-01'
         FROM generate_series($1::int, $2::int) i`,
      [from, to],
    );
    await pool.query(
      // Applied when analysed, a backlog since: the statistics say no message waits.
      `WITH m AS (
         INSERT INTO messages (id, client_id, sender_id, system, version, type, status)
         SELECT gen_random_uuid(), 'bailleur-59', 'M-' || i, 'spt', 'v2', 'enregistrement', $3
           FROM generate_series($1::int, $2::int) i RETURNING id)
       INSERT INTO message_payloads (message_id, raw, ordering_keys) SELECT id, '<m/>', '{}' FROM m`,
      [from, to, to <= SMALL ? 'applied' : 'accepted'],
    );
    await pool.query(
      `INSERT INTO pending_keys (key, seq, message_id)
       SELECT 'ref:123456789:REF-' || i, i, gen_random_uuid() FROM generate_series($1::int, $2::int) i`,
      [from, to],
    );
  }

  /** Rows of demandes, messages, their payloads and pending_keys that `lookup` read (the backend's counts, before and after). */
  async function rowsRead(lookup: (db: pg.PoolClient) => Promise<unknown>): Promise<number> {
    const client = await pool.connect();
    const counted = async () => {
      const { rows } = await client.query<{ n: string }>(
        `SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) AS n FROM pg_stat_xact_user_tables
          WHERE relname IN ('demandes', 'messages', 'message_payloads', 'pending_keys')`,
      );
      return Number(rows[0]?.n);
    };
    try {
      await client.query('BEGIN');
      const before = await counted();
      await lookup(client);
      const read = (await counted()) - before;
      await client.query('ROLLBACK');
      return read;
    } finally {
      client.release();
    }
  }

  // Half the keys name rows that exist (among the newest, which the statistics never saw), half not.
  const numbers = Array.from({ length: KEYS }, (_, k) => TOTAL - KEYS / 2 + k + 1);

  it('loads a batch’s demandes by numéro, reference and identity one index probe per key', async () => {
    const read = await rowsRead((db) =>
      new PgRegistryStore(db).load({
        numeros: numbers.map((i) => `05903140${String(i).padStart(5, '0')}BE59A`),
        references: numbers.map((i) => ({ organisme: '123456789', referenceGuichet: `REF-${i}` })),
        identites: numbers.map((i) => ({ departement: '59', identiteHash: md5Like(i) })),
        logements: [],
        sequences: [],
      }),
    );
    expect(read).toBeLessThan(10 * KEYS);
  });

  it('resolves ordering keys by numéro and reference one index probe per key', async () => {
    const keys = numbers.map((i) => [
      `ref:123456789:REF-${i}`,
      `demande:05903140${String(i).padStart(5, '0')}BE59A`,
    ]);
    expect(await rowsRead((db) => resolveKeys(db, keys))).toBeLessThan(10 * KEYS);
  });

  it('finds the messages already stored under a lot’s sender ids one index probe per id', async () => {
    const senders = numbers.map((i) => ({ clientId: 'bailleur-59', senderId: `M-${i}` }));
    expect(await rowsRead((db) => existingMessages(db, senders))).toBeLessThan(10 * KEYS);
  });

  it('claims a job’s messages one primary-key probe per message, however many wait', async () => {
    // A backlog large enough that the primary key is the planner's honest choice (at 30,000 rows
    // reading the whole table costs it about as much as 500 probes).
    await pool.query(
      `WITH m AS (
         INSERT INTO messages (id, client_id, sender_id, system, version, type, status)
         SELECT gen_random_uuid(), 'bailleur-59', 'W-' || i, 'spt', 'v2', 'enregistrement', 'accepted'
           FROM generate_series(1, 270000) i RETURNING id)
       INSERT INTO message_payloads (message_id, raw, ordering_keys) SELECT id, '<m/>', '{}' FROM m`,
    );
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM messages WHERE sender_id = ANY($1::text[])`,
      [numbers.map((i) => `M-${i}`)],
    );
    const read = await rowsRead(async (db) => {
      expect(
        await claimMessages(
          db,
          rows.map((r) => r.id),
        ),
      ).toHaveLength(KEYS / 2);
    });
    expect(read).toBeLessThan(10 * KEYS);
  });

  it('finds the first pending message of each key one walk of the key per key', async () => {
    const keys = numbers.map((i) => `ref:123456789:REF-${i}`);
    expect(await rowsRead((db) => firstPendingOutside(db, keys, []))).toBeLessThan(10 * KEYS);
  });

  it('releases a job’s keys one probe of their primary key per key, however many wait', async () => {
    // The seed's pending key of message i is `ref:…:REF-i` at seq i.
    const done = numbers.map((i) => ({ seq: String(i), keys: [`ref:123456789:REF-${i}`] }));
    let left: number | undefined;
    const read = await rowsRead(async (db) => {
      await releaseKeys(db, done);
      // What is left of them, one probe per key too.
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM unnest($1::text[], $2::bigint[]) AS d(key, seq)
           CROSS JOIN LATERAL (SELECT 1 FROM pending_keys WHERE key = d.key AND seq = d.seq OFFSET 0) k`,
        [done.map((d) => d.keys[0]), done.map((d) => d.seq)],
      );
      left = rows[0]?.n;
    });
    expect(left).toBe(0);
    expect(read).toBeLessThan(10 * KEYS);
  });
});

/** md5(i) as the seed wrote it, computed in JavaScript. */
function md5Like(i: number): string {
  return createHash('md5').update(String(i)).digest('hex');
}
