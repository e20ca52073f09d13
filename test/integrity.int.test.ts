import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orphanCounts } from '../services/db/integrity.ts';
import { createPool } from '../services/db/pool.ts';
import { createTestDatabase } from './helpers/database.ts';

describe('orphanCounts: the parents the hot path no longer checks by foreign key', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('is all zero on a whole registry and names each kind of child row left without its parent', async () => {
    expect(Object.values(await orphanCounts(pool))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const missing = '01900000-0000-7000-8000-000000000001';
    await pool.query(
      `INSERT INTO messages (id, lot_id, client_id, sender_id, system, version, type, status)
       VALUES ($1, $1, 'nobody', 's-1', 'spt', 'v2', 'enregistrement', 'accepted')`,
      [missing],
    );
    await pool.query(`INSERT INTO message_payloads (message_id, raw) VALUES ($1, '<x/>')`, [
      '01900000-0000-7000-8000-000000000004',
    ]);
    await pool.query(`INSERT INTO pending_keys (key, seq, message_id) VALUES ('k', 1, $1)`, [
      '01900000-0000-7000-8000-000000000002',
    ]);
    await pool.query(
      `INSERT INTO message_attempts (message_id, attempt, outcome) VALUES ($1, 1, 'applied')`,
      ['01900000-0000-7000-8000-000000000003'],
    );
    await pool.query(
      `INSERT INTO demande_historique (numero_unique, kind, date_effet) VALUES ('0591013000042LH59A', 'enregistrement', '2013-10-01')`,
    );
    await pool.query(
      `INSERT INTO deliveries (id, client_id, event_sequence, status) VALUES ($1, 'nobody', 42, 'pending')`,
      ['01900000-0000-7000-8000-000000000005'],
    );
    await pool.query(
      `INSERT INTO delivery_attempts (delivery_id, attempt, status_code) VALUES ($1, 1, 200)`,
      ['01900000-0000-7000-8000-000000000006'],
    );
    expect(await orphanCounts(pool)).toEqual({
      'messages.client_id': 1,
      'messages.lot_id': 1,
      'messages.id': 1,
      'message_payloads.message_id': 1,
      'pending_keys.message_id': 1,
      'message_attempts.message_id': 1,
      'demande_historique.numero_unique': 1,
      'deliveries.client_id': 1,
      'deliveries.event_sequence': 1,
      'delivery_attempts.delivery_id': 1,
    });
  });
});
