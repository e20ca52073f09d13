import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../services/db/pool.ts';
import { claimMessages } from '../services/pipeline/apply-worker.ts';
import { releaseKeys, releaseKeysOf } from '../services/pipeline/ordering.ts';
import { createTestDatabase } from './helpers/database.ts';

/**
 * A message's ordering keys live in `pending_keys` (one row per key while it is not done) and, since
 * migration 021, with its payload, where the apply reads them and releases them from. A message
 * accepted by a process older than that migration, while a new version rolls out, has them in
 * `pending_keys` only: its keys must be read and released all the same, or every later message of
 * its demande would wait for ever.
 */
describe('ordering keys, read with the message and released by (key, seq)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
    await pool.query(`INSERT INTO clients (id, role, organisme, nom, departements, token_hash)
                      VALUES ('bailleur-59', 'bailleur', '123456789', 'B', '{59}', '\\x01')`);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  /** An accepted message and its pending keys; `withKeys`: its payload holds them too (as the intake writes it now). */
  async function accepted(sender: string, keys: string[], withKeys: boolean): Promise<string> {
    const { rows } = await pool.query<{ id: string }>(
      `WITH m AS (
         INSERT INTO messages (id, client_id, sender_id, system, version, type, status)
         VALUES (gen_random_uuid(), 'bailleur-59', $1, 'spt', 'v2', 'enregistrement', 'accepted') RETURNING id, seq),
       p AS (INSERT INTO message_payloads (message_id, raw, ordering_keys)
             SELECT id, '<m/>', CASE WHEN $3 THEN $2::text[] END FROM m),
       k AS (INSERT INTO pending_keys (key, seq, message_id) SELECT key, m.seq, m.id FROM m, unnest($2::text[]) key)
       SELECT id FROM m`,
      [sender, keys, withKeys],
    );
    return rows[0]?.id as string;
  }

  const pendingOf = async (id: string) =>
    (
      await pool.query<{ key: string }>('SELECT key FROM pending_keys WHERE message_id = $1 ORDER BY key', [
        id,
      ])
    ).rows.map((r) => r.key);

  it('claims a message with its keys, from its payload or, accepted before migration 021, from pending_keys', async () => {
    const now = await accepted('NOW-1', ['demande:A', 'ref:123456789:R-A'], true);
    const before = await accepted('OLD-1', ['demande:B', 'ref:123456789:R-B'], false);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const rows = await claimMessages(client, [now, before]);
      expect(rows.map((r) => [...r.keys].sort())).toEqual([
        ['demande:A', 'ref:123456789:R-A'],
        ['demande:B', 'ref:123456789:R-B'],
      ]);
      await releaseKeys(client, rows);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await pendingOf(now)).toEqual([]);
    expect(await pendingOf(before)).toEqual([]);
  });

  it('releases only the keys of the messages done, not those of a later message sharing them', async () => {
    const first = await accepted('NOW-2', ['demande:C'], true);
    const later = await accepted('NOW-3', ['demande:C'], true);
    const older = await accepted('OLD-2', ['demande:D'], false);
    await releaseKeysOf(pool, [first, older]);
    expect(await pendingOf(first)).toEqual([]);
    expect(await pendingOf(older)).toEqual([]);
    expect(await pendingOf(later)).toEqual(['demande:C']);
  });
});
