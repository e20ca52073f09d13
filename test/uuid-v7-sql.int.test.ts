import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidV7 } from '../services/shared/uuid-v7.ts';
import { createTestDatabase } from './helpers/database.ts';
import { msOfUuidV7, UUID_V7 } from './helpers/uuid-v7.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('sne_uuid_v7() (migration 028)', () => {
  it('makes UUIDs v7 of the current millisecond, as uuidV7 does in Node', async () => {
    // The server's clock, not this process's: the database may run elsewhere.
    const { rows } = await pool.query<{ id: string; before: string; after: string }>(
      `SELECT floor(extract(epoch FROM s.before) * 1000) AS before, sne_uuid_v7()::text AS id,
              floor(extract(epoch FROM clock_timestamp()) * 1000) AS after
         FROM (SELECT clock_timestamp() AS before) s, generate_series(1, 1000)`,
    );
    const before = Number(rows[0]?.before);
    const after = Number(rows.at(-1)?.after);
    expect(new Set(rows.map((row) => row.id)).size).toBe(1000);
    for (const { id } of rows) {
      expect(id).toMatch(UUID_V7);
      expect(msOfUuidV7(id)).toBeGreaterThanOrEqual(before);
      expect(msOfUuidV7(id)).toBeLessThanOrEqual(after);
    }
    expect(msOfUuidV7(uuidV7(before))).toBe(before);
  });

  it('sorts by time: ids made later sort after', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await pool.query<{ id: string }>('SELECT sne_uuid_v7()::text AS id')).rows[0]?.id as string);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect([...ids].sort()).toEqual(ids);
  });
});
